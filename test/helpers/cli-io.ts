import type { CliIo } from '../../src/cli/io.ts';

/** A CliIo that records what a command prints, for running commands in-process. */
export function memoryIo(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    env,
    logger: () => {
      throw new Error('not used');
    },
    setExitCode: () => {},
    untilSignal: () => new Promise(() => {}),
  };
}
