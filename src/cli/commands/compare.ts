import type { Command } from 'commander';
import { compareRuns, loadRecordedRun, parseGate, renderComparisonMarkdown, renderComparisonText, type RunComparison } from '../../compare/index.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';

interface CompareCliOptions {
  failIf?: string[];
  requireComparable?: boolean;
  markdown?: boolean;
  json?: boolean;
}

/** 99 when a gate failed (or, with --require-comparable, the runs are not comparable), else 0. */
export function compareExitCode(comparison: RunComparison, requireComparable: boolean): number {
  if (!comparison.gatesPassed) return ExitCode.ThresholdsFailed;
  if (requireComparable && !comparison.comparable) return ExitCode.ThresholdsFailed;
  return ExitCode.Ok;
}

export function registerCompare(program: Command, io: CliIo): void {
  program
    .command('compare <base> <current>')
    .summary('regressions: a run against its baseline')
    .description('compare two runs (report folders or result.json files): every series\' percentiles and counters, with gates')
    .option('--fail-if <gate...>', "exit 99 when true, e.g. 'ack{event:message:send} p(95) > +10%', 'ack p(99) > +5ms', 'violations count > 0'")
    .option('--require-comparable', 'exit 99 when the runs are not comparable (other scenario, scale, target kind, a saturated generator)')
    .option('--markdown', 'print markdown (for a CI summary) instead of the text table')
    .option('--json', 'print the comparison as JSON')
    .action((base: string, current: string, options: CompareCliOptions) => {
      // Gates first: a typo is a usage error before any file is read.
      const gates = (options.failIf ?? []).map(parseGate);
      const comparison = compareRuns(loadRecordedRun(base), loadRecordedRun(current), gates);
      if (options.json) io.out(JSON.stringify(comparison, null, 2));
      else io.out(options.markdown ? renderComparisonMarkdown(comparison) : renderComparisonText(comparison));
      const code = compareExitCode(comparison, options.requireComparable === true);
      if (code !== ExitCode.Ok && comparison.gatesPassed) io.err('failing: the runs are not comparable (--require-comparable)');
      io.setExitCode(code);
    });
}
