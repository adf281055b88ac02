import { Command, CommanderError } from 'commander';
import { BazaarError } from '../errors.ts';
import { registerServe } from './commands/serve.ts';
import { registerToken } from './commands/token.ts';
import { ExitCode } from './exit-codes.ts';
import { createProcessIo, type CliIo } from './io.ts';

export function createProgram(io: CliIo): Command {
  const program = new Command('bazaar')
    .description('load-testing and conformance harness for Socket.IO marketplaces')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerServe(program, io);
  registerToken(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Run the CLI; resolves to the exit code. The only place that maps failures to exit codes. */
export async function runCli(argv: string[], io: CliIo = createProcessIo()): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
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
      return error.code === 'BAZAAR_NO_SECRET' ? ExitCode.Usage : ExitCode.HarnessError;
    }
    io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return ExitCode.HarnessError;
  }
}
