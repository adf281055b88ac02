import { appendFileSync } from 'node:fs';
import type { CliIo } from './io.ts';

/**
 * On GitHub Actions, `GITHUB_STEP_SUMMARY` names a file whose markdown shows on the job's page:
 * append to it (other steps may have written there too). A write that fails warns, never fails the run.
 */
export function appendStepSummary(io: CliIo, markdown: string): void {
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    appendFileSync(file, markdown.endsWith('\n') ? `${markdown}\n` : `${markdown}\n\n`);
  } catch (error) {
    io.err(`warning: could not append the summary to GITHUB_STEP_SUMMARY (${file}): ${(error as Error).message}`);
  }
}
