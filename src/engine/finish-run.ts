import type { Logger } from 'pino';
import type { ReportWriter } from '../report/write-report.ts';
import { evaluateThresholds } from '../thresholds/index.ts';
import type { RunContext } from './run-context.ts';
import { buildResult, type RunResult } from './run-result.ts';

/** The run failed: its report is written, marked partial with status 'error', before the error goes on. */
export function failRun(run: RunContext, error: unknown): void {
  run.finalWritten = true;
  run.status = 'error';
  run.reason = error instanceof Error ? error.message : String(error);
  if (run.writer) writeSafely(run.writer, buildResult(run, true, run.health.stop(), evaluateThresholds(run.thresholds, run.resolve)), run.log);
}

/** Whatever way the run ended: its timers stop, its users disconnect, and what it started closes. */
export async function closeRun(run: RunContext): Promise<void> {
  for (const timer of run.timers) clearInterval(timer);
  run.options.signal?.removeEventListener('abort', run.onOuterAbort);
  if (!run.abort.signal.aborted) run.abort.abort('run over');
  for (const user of run.users?.live ?? []) user.disconnect();
  await run.exporter?.close();
  await run.server?.close();
}

/** The verdict: the thresholds judged over the whole run, and the final result written. */
export function finishRun(run: RunContext): RunResult {
  run.sampleTimeline(); // the last stretch: graceful stop and whatever ran past the last full interval
  const generator = run.health.stop();
  const evaluated = evaluateThresholds(run.thresholds, run.resolve);
  if (run.status === 'passed' && !evaluated.every((t) => t.passed)) run.status = 'thresholds_failed';
  const partial = run.status === 'interrupted' || run.status === 'aborted';
  const result = buildResult(run, partial, generator, evaluated);
  run.finalWritten = true;
  run.writer?.writeFinal(result);
  return result;
}

function writeSafely(writer: ReportWriter, result: RunResult, log: Logger): void {
  try {
    writer.writeFinal(result);
  } catch (error) {
    log.error({ err: error }, 'could not write the partial report');
  }
}
