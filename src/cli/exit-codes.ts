/** Documented exit codes (README "Exit codes"). */
export const ExitCode = {
  Ok: 0,
  HarnessError: 1,
  Usage: 2,
  ChecksFailed: 3,
  ThresholdsFailed: 99,
  Interrupted: 130,
} as const;
