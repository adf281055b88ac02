import type { Command } from 'commander';
import { startReferenceServer } from '../../../reference-server/index.ts';
import { BazaarError } from '../../errors.ts';
import { formatDurationMs } from '../../util/duration.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { durationArg, portArg } from '../options.ts';

interface ServeOptions {
  port: number;
  host: string;
  jwtSecret?: string;
  presenceTtl: number;
  presenceHeartbeat?: number;
  metricsPort: number;
  logLevel: string;
  defect?: string;
  presenceSweep?: number;
}

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the bundled reference server (one node, in memory)')
    .option('--port <port>', 'port for Socket.IO and the HTTP API', portArg, 3000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--jwt-secret <secret>', 'HS256 secret for tokens (default: JWT_SECRET, else a generated one)')
    .option('--presence-ttl <duration>', 'presence TTL', durationArg, 60_000)
    .option('--presence-heartbeat <duration>', 'heartbeat interval announced to clients (default 20s, at most TTL/3)', durationArg)
    .option('--metrics-port <port>', 'Prometheus listener port on loopback (0: any free port)', portArg, 9464)
    .option('--defect <name>', 'start with a deliberate defect that breaks one guarantee (reference-server/DEFECTS.md)')
    .option('--presence-sweep <duration>', 'how often lapsed presence is swept (default TTL/4, at most 5s)', durationArg)
    .option('--log-level <level>', 'pino log level: trace, debug, info, warn, error, silent', 'info')
    .action(async (options: ServeOptions) => {
      // An empty JWT_SECRET counts as none.
      const secretFromUser = options.jwtSecret || io.env.JWT_SECRET || undefined;
      const server = await startReferenceServer({
        port: options.port,
        host: options.host,
        jwtSecret: secretFromUser,
        presenceTtlMs: options.presenceTtl,
        presenceHeartbeatMs: options.presenceHeartbeat,
        presenceSweepMs: options.presenceSweep,
        ...(options.defect ? { defect: options.defect } : {}),
        metricsPort: options.metricsPort,
        logger: io.logger(options.logLevel),
      }).catch((error: unknown) => {
        throw new BazaarError('BAZAAR_SERVE_FAILED', `cannot start the reference server: ${(error as Error).message}`,
          'use --port / --metrics-port to pick free ports, or stop whatever holds them');
      });
      const secretNote = secretFromUser ? '' : '  (generated: pass --jwt-secret or set JWT_SECRET to keep one)';
      io.out(`bazaar reference server listening on ${server.url}`);
      io.out(`  metrics      ${server.metricsUrl}`);
      io.out(`  presence     ttl ${formatDurationMs(options.presenceTtl)}`);
      if (options.defect) io.out(`  DEFECT       ${options.defect} (deliberately broken: see reference-server/DEFECTS.md)`);
      io.out(`  jwt secret   ${server.jwtSecret}${secretNote}`);
      io.out(`  get a token  npx bazaar token --jwt-secret ${server.jwtSecret} --sub u1 --role buyer`);
      io.out('Ctrl-C to stop');
      const signal = await io.untilSignal();
      io.err(`${signal}: closing`);
      await server.close();
      io.setExitCode(ExitCode.Ok);
    });
}
