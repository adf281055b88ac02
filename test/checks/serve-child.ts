import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const BIN = new URL('../../bin/bazaar.ts', import.meta.url).pathname;

export interface ChildServer {
  url: string;
  jwtSecret: string;
  child: ChildProcess;
  /** Whether the process died on its own before close() (a crash). */
  crashed(): boolean;
  close(): Promise<void>;
}

/**
 * `bazaar serve` as a real child process, with the lab's short presence timings. Defects that
 * crash the process crash only it, never the test runner.
 */
export async function startServeChild(
  args: string[] = [],
  jwtSecret = 'check-secret',
  options: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), BIN, 'serve', '--port', '0', '--metrics-port', '0', '--jwt-secret', jwtSecret, '--presence-ttl', '2s',
      '--presence-heartbeat', '500ms', '--presence-sweep', '200ms', '--log-level', 'silent', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: { ...process.env, ...options.env } } : {}) },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  let closing = false;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bazaar serve ${args.join(' ')} did not start in 15 s: ${stderr}`)), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`bazaar serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    jwtSecret,
    child,
    crashed: () => !closing && child.exitCode !== null,
    async close() {
      closing = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
