import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { DEFECTS, generateSecret } from '../../reference-server/index.ts';
import { BazaarError } from '../errors.ts';
import { modulePath } from '../util/module-path.ts';

export interface EmbeddedServerOptions {
  presenceTtlMs?: number;
  presenceHeartbeatMs?: number;
  presenceSweepMs?: number;
  defect?: string;
  /** Connection state recovery, in memory (`bazaar serve --recovery`). */
  recovery?: boolean;
  /** Answer only the acks the contract requires (`bazaar serve --minimal-acks`). */
  minimalAcks?: boolean;
}

export interface EmbeddedServer {
  url: string;
  jwtSecret: string;
  pid: number;
  close(): Promise<void>;
}

const BIN = modulePath('../../bin/bazaar.ts', import.meta.url);
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * The embedded default: the bundled reference server, one node in memory, on a free loopback
 * port with a generated secret. It runs as its own process (`bazaar serve`), so the server's
 * work never shares an event loop with the load generator's measurements, and a crash of a
 * deliberately defective server cannot take the harness down with it.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  if (options.defect && !DEFECTS.some((d) => d.name === options.defect)) {
    throw new BazaarError('BAZAAR_UNKNOWN_DEFECT', `no defect "${options.defect}"`,
      `choose one of: ${DEFECTS.map((d) => d.name).join(', ')} (reference-server/DEFECTS.md)`);
  }
  const jwtSecret = generateSecret();
  const args = [BIN, 'serve', '--port', '0', '--metrics-port', '0', '--log-level', 'warn'];
  if (options.presenceTtlMs) args.push('--presence-ttl', `${options.presenceTtlMs}ms`);
  if (options.presenceHeartbeatMs) args.push('--presence-heartbeat', `${options.presenceHeartbeatMs}ms`);
  if (options.presenceSweepMs) args.push('--presence-sweep', `${options.presenceSweepMs}ms`);
  if (options.defect) args.push('--defect', options.defect);
  if (options.recovery) args.push('--recovery');
  if (options.minimalAcks) args.push('--minimal-acks');
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The secret goes by environment, not argv, so it does not show in `ps`.
    env: { ...process.env, JWT_SECRET: jwtSecret },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new BazaarError('BAZAAR_EMBEDDED_FAILED', `the embedded reference server did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new BazaarError('BAZAAR_EMBEDDED_FAILED', `the embedded reference server exited with ${code}: ${stderr.trim()}`,
        options.defect ? 'check the --defect name (bazaar serve --help)' : undefined));
    });
  });
  child.stdout.resume();
  return {
    url,
    jwtSecret,
    pid: child.pid as number,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
