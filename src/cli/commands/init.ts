import { relative } from 'node:path';
import type { Command } from 'commander';
import { looksLikeContract, renderFindingLines, renderTodo } from '../../target/init-skeleton.ts';
import { initTarget } from '../../target/init-target.ts';
import type { CliIo } from '../io.ts';

interface InitCliOptions {
  target: string;
  token?: string;
  dir?: string;
  force?: boolean;
}

export function registerInit(program: Command, io: CliIo): void {
  program
    .command('init')
    .summary('probe your server and write a profile skeleton and a first scenario')
    .description('probe a Socket.IO server (Engine.IO handshake, a connect without and with a token, its greeting) and write bazaar.target.ts and bazaar.scenario.ts (docs/own-server.md)')
    .requiredOption('--target <url>', 'the server to probe, e.g. http://localhost:3000')
    .option('--token <token>', 'a token of one of its users: tells where tokens go and what a connection is greeted with')
    .option('--dir <dir>', 'where to write the files (default: here)')
    .option('--force', 'overwrite bazaar.target.ts and bazaar.scenario.ts when they exist')
    .action(async (options: InitCliOptions) => {
      const result = await initTarget({ target: options.target, dir: options.dir, token: options.token, force: options.force === true, date: new Date() });
      io.out(`probed ${result.findings.url}:`);
      for (const line of renderFindingLines(result.findings)) io.out(`  ${line}`);
      if (looksLikeContract(result.findings)) {
        io.out(`this server greets like the contract (docs/contract.md): it may need no profile; try npx bazaar check --target ${result.findings.url} --jwt-secret S first`);
      }
      io.out('wrote:');
      for (const file of result.written) io.out(`  ${relative(process.cwd(), file) || file}`);
      io.out('fill in (TODO in bazaar.target.ts):');
      for (const line of renderTodo(result.findings)) io.out(`  - ${line}`);
      io.out('then: npx bazaar check --profile bazaar.target.ts (walk-through: docs/own-server.md)');
    });
}
