import type { Command } from 'commander';
import { listRepros, runRepro } from '../../lab/repro/run-repro.ts';
import type { ReproVerdict } from '../../lab/repro/types.ts';
import { renderReproList, renderReproReport, reproFault } from '../../report/repro.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { durationArg, scaleArg } from '../options.ts';

interface ReproCliOptions {
  scale?: number;
  duration?: number;
  json?: boolean;
  redis?: string;
}

/** README "Exit codes": 0 only when the bug showed and its fix cleared it. */
export const REPRO_EXIT_CODES: Record<ReproVerdict, number> = {
  'reproduced-fixed': ExitCode.Ok,
  'not-reproduced': ExitCode.NotReproduced,
  'fix-did-not-clear': ExitCode.FixDidNotClear,
  skipped: ExitCode.ReproSkipped,
  interrupted: ExitCode.Interrupted,
};

export function registerRepro(program: Command, io: CliIo): void {
  program
    .command('repro [name]')
    .summary('reproduce a known Socket.IO scale bug, then its fix')
    .description('without NAME: list the catalog. With NAME: start the topology, play the load, say whether the bug reproduced, then run the documented fix (docs/repro/)')
    .option('--scale <factor>', "multiply the entry's users and rates, e.g. 0.1", scaleArg)
    .option('--duration <duration>', "the load's length, e.g. 10s (default: the entry's own)", durationArg)
    .option('--redis <url>', 'Redis for the cluster entries (default: REDIS_URL, else a throwaway redis-server or container)')
    .option('--json', 'print the report as JSON')
    .action(async (name: string | undefined, options: ReproCliOptions) => {
      if (!name) {
        io.out(options.json ? JSON.stringify(listRepros().map((e) => ({ name: e.name, summary: e.summary, needs: e.needs, fault: reproFault(e) ?? null, confidence: e.confidence, links: e.links })), null, 2) : renderReproList(listRepros()));
        return;
      }
      const controller = new AbortController();
      let interrupted = false;
      void io.untilSignal().then((signal) => {
        interrupted = true;
        io.err(`\n${signal}: stopping the variant in progress`);
        controller.abort('interrupted by the user');
      });
      const report = await runRepro(name, {
        ...(options.scale !== undefined ? { scale: options.scale } : {}),
        ...(options.duration !== undefined ? { durationMs: options.duration } : {}),
        ...(options.redis ? { redisUrl: options.redis } : {}),
        signal: controller.signal,
        env: io.env,
        onNotice: (message) => io.err(message),
      });
      io.out(options.json ? JSON.stringify(report, null, 2) : renderReproReport(report));
      io.setExitCode(interrupted ? ExitCode.Interrupted : REPRO_EXIT_CODES[report.verdict]);
    });
}
