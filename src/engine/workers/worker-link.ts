import { fork } from 'node:child_process';
import { modulePath } from '../../util/module-path.ts';
import type { CoordinatorMessage, WorkerMessage } from './protocol.ts';

/**
 * The coordinator's line to one worker, whatever carries it: a forked process's IPC channel
 * here, a Redis stream to an agent on another machine later (issue 15 §2). The coordinator
 * speaks only this: JSON messages each way, and one notice that the worker is gone.
 */
export interface WorkerLink {
  /** Its process id where it is a local process (for people and for tests that kill it). */
  readonly pid: number;
  /** How a person can find it: "pid 1234" (an agent would say its host). */
  readonly label: string;
  /** Where it runs when not on this machine, e.g. "agent 2 (vm-7)". */
  readonly where?: string;
  send(message: CoordinatorMessage): void;
  onMessage(listener: (message: WorkerMessage) => void): void;
  /** Once, when the worker is gone, with how it went: `undefined` for an exit with code 0. */
  onGone(listener: (exit: string | undefined) => void): void;
  /** Resolves when it is gone. */
  readonly gone: Promise<void>;
  /** End it now (a worker that does not finish in time, or a run that failed). */
  kill(): void;
}

const WORKER_MAIN = modulePath('./worker-main.ts', import.meta.url);

/** A worker process on this machine (./worker-main.ts), over its IPC channel with JSON serialization. */
export function forkWorker(): WorkerLink {
  // Processes, not threads: the open-files limit is per process, and it is what a worker is for.
  const child = fork(WORKER_MAIN, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
  const pid = child.pid ?? 0;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid,
    label: `pid ${pid}`,
    send(message) {
      // A worker already gone is reported by onGone; a message it can no longer read is moot.
      if (child.connected) child.send(message, () => {});
    },
    onMessage: (listener) => void child.on('message', (message) => listener(message as WorkerMessage)),
    onGone: (listener) =>
      void child.once('exit', (code, signal) => listener(signal ? `was killed by ${signal}` : code === 0 ? undefined : `exited with code ${code}`)),
    gone,
    kill: () => void child.kill('SIGKILL'),
  };
}
