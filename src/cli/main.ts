import { Command, CommanderError, Help } from 'commander';
import { BazaarError } from '../errors.ts';
import { registerAgent } from './commands/agent.ts';
import { registerCheck } from './commands/check.ts';
import { registerCompare } from './commands/compare.ts';
import { registerInit } from './commands/init.ts';
import { registerRun } from './commands/run.ts';
import { registerRepro } from './commands/repro.ts';
import { registerServe } from './commands/serve.ts';
import { registerToken } from './commands/token.ts';
import { ExitCode } from './exit-codes.ts';
import { createProcessIo, type CliIo } from './io.ts';

/** Errors in what the person asked for (exit 2), as opposed to the harness failing (exit 1). */
const USAGE_ERRORS = new Set([
  'BAZAAR_NO_SECRET',
  'BAZAAR_BAD_DURATION',
  'BAZAAR_BAD_SCENARIO',
  'BAZAAR_BAD_EXECUTOR',
  'BAZAAR_BAD_THRESHOLD',
  'BAZAAR_UNKNOWN_METRIC',
  'BAZAAR_UNKNOWN_TAG',
  'BAZAAR_SCENARIO_NOT_FOUND',
  'BAZAAR_SCENARIO_LOAD_FAILED',
  'BAZAAR_BAD_TARGET',
  'BAZAAR_TOKEN_MODULE',
  'BAZAAR_NO_CHECKS',
  'BAZAAR_BAD_OPTIONS',
  'BAZAAR_BAD_SCALE',
  'BAZAAR_UNKNOWN_DEFECT',
  'BAZAAR_RESULT_NOT_FOUND',
  'BAZAAR_BAD_RESULT',
  'BAZAAR_FILE_EXISTS',
  'BAZAAR_BAD_PROFILE',
  'BAZAAR_UNKNOWN_REPRO',
  'BAZAAR_BAD_REDIS_URL',
]);

export function createProgram(io: CliIo): Command {
  const program = new Command('bazaar')
    .description('load-testing and conformance harness for Socket.IO marketplaces')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    // `compare [options] <base> <current>` would widen the command column until every summary wraps at 80.
    .configureHelp({ subcommandTerm: (command) => (command.name() === 'compare' ? 'compare <base> <current>' : new Help().subcommandTerm(command)) });
  registerRun(program, io);
  registerCheck(program, io);
  registerServe(program, io);
  registerToken(program, io);
  registerCompare(program, io);
  registerInit(program, io);
  registerRepro(program, io);
  registerAgent(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Run the CLI; resolves to the exit code. The only place that maps failures to exit codes. */
export async function runCli(argv: string[], outerIo: CliIo = createProcessIo()): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const io: CliIo = { ...outerIo, setExitCode: (code) => void (exitCode = code) };
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; they are success to a person.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
        return ExitCode.Ok;
      }
      return ExitCode.Usage;
    }
    if (error instanceof BazaarError) {
      io.err(`error: ${error.message}`);
      if (error.hint) io.err(`  what to do: ${error.hint}`);
      return USAGE_ERRORS.has(error.code) ? ExitCode.Usage : ExitCode.HarnessError;
    }
    io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return ExitCode.HarnessError;
  }
}
