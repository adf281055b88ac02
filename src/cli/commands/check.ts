import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ADAPTERS, type AdapterName } from '../../../reference-server/index.ts';
import { runChecks, type CheckReport } from '../../checks/run-checks.ts';
import { renderCheckJunit, renderCheckReport } from '../../report/checks.ts';
import { renderCheckHtml } from '../../report/html/check-html.ts';
import { renderCheckMarkdown } from '../../report/check-markdown.ts';
import { renderCheckSarif } from '../../report/sarif.ts';
import { ALL_CHECKS } from '../../checks/suite.ts';
import { packageVersion } from '../../util/package-version.ts';
import { appendStepSummary } from '../step-summary.ts';
import { defaultReportDir, writeFileAtomic } from '../../report/write-report.ts';
import { resolveTargetProfile } from '../../target/load-target.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { adapterArg, durationArg, nodesArg } from '../options.ts';

interface CheckCliOptions {
  target?: string;
  profile?: string;
  jwtSecret?: string;
  tokenModule?: string;
  only?: string;
  preset?: string;
  report?: string;
  json?: boolean;
  defect?: string;
  nodes?: number;
  redis?: string;
  adapter?: AdapterName;
  maxWait?: number;
  failOnSkip?: boolean;
  sarifPath?: string;
}

/** 130 when interrupted (the report is partial), 3 when a check failed (or, with --fail-on-skip, was skipped), else 0. */
export function checkExitCode(report: CheckReport): number {
  if (report.interrupted) return ExitCode.Interrupted;
  return report.passed ? ExitCode.Ok : ExitCode.ChecksFailed;
}

export function writeCheckReport(dir: string, report: CheckReport, sarif: { artifactPath?: string } = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(join(dir, 'junit.xml'), renderCheckJunit(report));
  writeFileAtomic(join(dir, 'report.html'), renderCheckHtml(report));
  writeFileAtomic(join(dir, 'findings.sarif'), renderCheckSarif(report, ALL_CHECKS, packageVersion(), sarif));
}

export function registerCheck(program: Command, io: CliIo): void {
  program
    .command('check')
    .summary('conformance: hold a server to the contract')
    .description('run the conformance suite: ordering, delivery, presence, typing, reads, races, room authorization')
    .option('--target <url>', 'server to check (default: start the bundled reference server)')
    .option('--profile <file>', 'how the server speaks, if not the contract: a defineTarget() file (default: ./bazaar.target.ts or .js if there is one; docs/profiles.md)')
    .option('--jwt-secret <secret>', "the target's HS256 secret (default: JWT_SECRET)")
    .option('--token-module <file>', 'module whose default export (userId, role) => token')
    .option('--only <pattern>', "run matching checks only, e.g. 'authz.*' or 'order.*,race.*'")
    .option('--preset <name>', "a named selection of checks: 'security' runs auth.*, authz.*, robustness.*, recovery.* and security.* (--only narrows it; docs/security.md)")
    .option('--report <dir>', 'report folder (default reports/<timestamp>_check/)')
    .option('--json', 'print report.json to stdout instead of the table')
    .option('--nodes <n>', 'without --target: check a cluster of N reference nodes on Redis started for the purpose', nodesArg)
    .option('--redis <url>', 'the cluster\'s Redis (default: REDIS_URL, else a throwaway redis-server or Docker container)')
    .option('--adapter <name>', `the cluster's Socket.IO adapter: ${ADAPTERS.join(', ')}`, adapterArg)
    .option('--defect <name>', 'check the embedded reference server started with a deliberate defect (see reference-server/DEFECTS.md)')
    .option('--max-wait <duration>', 'let checks whose waits grow with the target (presence TTL) run this long instead of skipping, e.g. 5m', durationArg)
    .option('--sarif-path <file>', 'the file of your repository findings.sarif results point at (GitHub code scanning needs one), e.g. src/server.ts')
    .option('--fail-on-skip', 'exit 3 when any check is skipped (CI: a check that did not run proves nothing)')
    .action(async (options: CheckCliOptions) => {
      const startedAt = new Date();
      const dir = options.report ?? defaultReportDir('check', startedAt);
      const sarifOptions = options.sarifPath ? { artifactPath: options.sarifPath } : {};
      const live = !options.json && process.stderr.isTTY;
      const controller = new AbortController();
      void io.untilSignal().then((signal) => {
        io.err(`\n${signal}: stopping the running check; writing the partial report`);
        controller.abort(`interrupted by ${signal}`);
      });
      const found = await resolveTargetProfile(options.profile);
      const report = await runChecks({
        target: options.target,
        ...(found ? { profile: found.profile } : {}),
        jwtSecret: options.jwtSecret || io.env.JWT_SECRET || undefined,
        tokenModule: options.tokenModule,
        only: options.only,
        ...(options.preset !== undefined ? { preset: options.preset } : {}),
        defect: options.defect,
        nodes: options.nodes,
        redis: options.redis,
        adapter: options.adapter,
        maxWaitMs: options.maxWait,
        failOnSkip: options.failOnSkip === true,
        signal: controller.signal,
        onSnapshot: (partial) => writeCheckReport(dir, partial, sarifOptions),
        onCheckStart: live ? (check) => process.stderr.write(`\r\u001b[K… ${check.id}`) : undefined,
        onCheckDone: live ? () => process.stderr.write('\r\u001b[K') : undefined,
      });
      writeCheckReport(dir, report, sarifOptions);
      appendStepSummary(io, renderCheckMarkdown(report));
      io.out(options.json ? JSON.stringify(report, null, 2) : renderCheckReport(report));
      if (!options.json) io.out(`report: ${dir}\nhtml: ${join(dir, 'report.html')}`);
      else if (report.interrupted) io.err(`partial report: ${dir}`);
      io.setExitCode(checkExitCode(report));
    });
}
