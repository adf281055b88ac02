import type { Command } from 'commander';
import { runAgent } from '../../engine/agents/agent.ts';
import type { CliIo } from '../io.ts';

interface AgentCliOptions {
  coordinator: string;
  name?: string;
  keyPrefix: string;
  workDir?: string;
  once?: boolean;
}

export function registerAgent(program: Command, io: CliIo): void {
  program
    .command('agent')
    .summary('load: wait for runs from bazaar run --agents')
    .description('wait in Redis for work from `bazaar run --agents K --coordinator URL`, play each run\'s share here, and wait again (docs/distributed.md)')
    .requiredOption('--coordinator <url>', 'the Redis the coordinator and every agent share, e.g. redis://10.0.0.5:6379')
    .option('--name <name>', 'how logs and results name this agent (default: the host name)')
    .option('--key-prefix <prefix>', 'key prefix in that Redis (the coordinator\'s --key-prefix must match)', 'bazaar:')
    .option('--work-dir <dir>', 'where shipped scenario files are written (default: bazaar-agent in the temp dir)')
    .option('--once', 'play one run, then exit (a Kubernetes Job\'s pod)')
    .action(async (options: AgentCliOptions) => {
      const controller = new AbortController();
      void io.untilSignal().then((signal) => {
        io.err(`${signal}: stopping the agent (a run in progress is stopped first)`);
        controller.abort(signal);
      });
      await runAgent({
        redisUrl: options.coordinator,
        ...(options.name ? { name: options.name } : {}),
        prefix: options.keyPrefix,
        ...(options.workDir ? { workDir: options.workDir } : {}),
        ...(options.once ? { once: true } : {}),
        signal: controller.signal,
        log: (line) => io.err(`${new Date().toISOString()} ${line}`),
      });
    });
}
