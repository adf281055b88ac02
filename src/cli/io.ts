import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Everything a command may touch in the outside world, so tests can run commands in-process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  logger(level?: string): Logger;
  /** What the command decided; runCli returns it (commands never touch process.exitCode). */
  setExitCode(code: number): void;
  /** Resolves on the first SIGINT or SIGTERM. */
  untilSignal(): Promise<NodeJS.Signals>;
}

export function createProcessIo(): CliIo {
  return {
    setExitCode: (code) => {
      process.exitCode = code;
    },
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    logger(level = process.env.LOG_LEVEL ?? 'info') {
      // Logs go to stderr; pretty only for a person at a terminal, JSON lines otherwise.
      if (process.stderr.isTTY) return pino({ level }, pretty({ destination: 2, colorize: true }));
      return pino({ level }, pino.destination(2));
    },
    untilSignal: () =>
      new Promise((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }),
  };
}
