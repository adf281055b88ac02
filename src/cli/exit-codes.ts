/** Documented exit codes (README "Exit codes"). */
export const ExitCode = {
  Ok: 0,
  HarnessError: 1,
  Usage: 2,
  ChecksFailed: 3,
  /** `bazaar repro`: the bug variant did not show the signature. */
  NotReproduced: 4,
  /** `bazaar repro`: reproduced, and the fix variant still shows the signature. */
  FixDidNotClear: 5,
  /** `bazaar repro`: the entry needs a tool that is not installed (HAProxy). */
  ReproSkipped: 6,
  ThresholdsFailed: 99,
  Interrupted: 130,
} as const;
