import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { CheckReport } from '../checks/run-checks.ts';
import type { Severity } from '../checks/types.ts';

/** The check groups that are security findings: tokens, room authorization, session re-authorization, crashes. */
export const SECURITY_GROUPS = ['auth', 'authz', 'recovery', 'robustness', 'security'] as const;

/**
 * GitHub's security-severity (CVSS-like, 0 to 10) per group: a forged token or another user's
 * room read is high, a remote crash of the process is high-ish (denial of service).
 */
const SEVERITY: Record<(typeof SECURITY_GROUPS)[number], { score: string; what: string }> = {
  auth: { score: '9.1', what: 'authentication: a token the contract refuses is accepted' },
  authz: { score: '8.1', what: 'authorization: a user reaches a room or write the contract forbids' },
  recovery: { score: '8.1', what: 'session recovery: another user resumes a session or reads its missed packets' },
  robustness: { score: '7.5', what: 'denial of service: a payload or frame a client can send crashes or stalls the server' },
  security: { score: '7.5', what: 'a weakness an attacker can reach from outside: tokens, origins, namespaces, injection, abuse limits or a known CVE shape (see the rule\'s severity and docs/security.md)' },
};

/** A check's own severity, when it names one, as GitHub's security-severity score. */
const SEVERITY_SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const EVIDENCE_LINES = 20;

export interface SarifRule {
  id: string;
  title: string;
  guarantee: string;
  severity?: Severity;
  fixHint?: string;
}

const groupOf = (id: string) => id.split('.')[0] as (typeof SECURITY_GROUPS)[number];
const isSecurity = (id: string) => (SECURITY_GROUPS as readonly string[]).includes(groupOf(id));

/**
 * findings.sarif: SARIF 2.1.0 for code-scanning dashboards. Every security check in `rules` (the
 * suite's definitions) is a rule with its guarantee as help; each such check that failed is a
 * result at level error with its evidence, and one that errored (no verdict) a warning.
 * A clean report is a valid log with the rules and no results: the dashboard closes old alerts.
 * `artifactPath`: a file of the reader's repository the results point at (GitHub code scanning
 * refuses results without a physical location).
 */
export function renderCheckSarif(report: CheckReport, rules: readonly SarifRule[], toolVersion: string, options: { artifactPath?: string } = {}): string {
  const securityRules = rules.filter((rule) => isSecurity(rule.id));
  const ruleIndex = new Map(securityRules.map((rule, index) => [rule.id, index]));
  const descriptors: ReportingDescriptor[] = securityRules.map((rule) => {
    const severity = SEVERITY[groupOf(rule.id)];
    const score = rule.severity ? SEVERITY_SCORE[rule.severity] : severity.score;
    const fix = rule.fixHint ? ` Fix: ${rule.fixHint}` : '';
    return {
      id: rule.id,
      name: rule.id.replace(/[.-](\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase()),
      shortDescription: { text: rule.title },
      fullDescription: { text: `${rule.title}. Holds the server to ${rule.guarantee}.` },
      help: {
        text: `${rule.guarantee}. A failure means ${severity.what}. Reproduce with: npx bazaar check --target URL --only '${rule.id}'. See docs/checks.md (${groupOf(rule.id)}) and docs/contract.md.${fix}`,
        markdown: `**${rule.guarantee}**\n\nA failure means ${severity.what}.\n\nReproduce: \`npx bazaar check --target URL --only '${rule.id}'\`; see \`docs/checks.md\` (${groupOf(rule.id)}) and \`docs/contract.md\`.${rule.fixHint ? `\n\n**Fix:** ${rule.fixHint}` : ''}`,
      },
      defaultConfiguration: { level: 'error' },
      properties: { tags: [...new Set(['security', groupOf(rule.id)])], 'security-severity': score, precision: 'high', ...(rule.severity ? { severity: rule.severity } : {}) },
    };
  });
  const results: Result[] = report.checks
    .filter((check) => (check.status === 'failed' || check.status === 'error') && ruleIndex.has(check.id))
    .map((check) => {
      const evidence = check.evidence.slice(0, EVIDENCE_LINES);
      const more = check.evidence.length > EVIDENCE_LINES ? [`... and ${check.evidence.length - EVIDENCE_LINES} more in report.json`] : [];
      const verdict = check.status === 'failed' ? `${check.title}: FAILED on ${report.target}${check.severity ? ` (severity ${check.severity})` : ''}` : `${check.title}: could not be judged on ${report.target} (error)`;
      const fix = check.fixHint ? [`fix: ${check.fixHint}`] : [];
      return {
        ruleId: check.id,
        ruleIndex: ruleIndex.get(check.id) as number,
        level: check.status === 'failed' ? 'error' : 'warning',
        message: {
          text: [
            verdict,
            `guarantee: ${check.guarantee}`,
            ...(check.severity ? [`severity: ${check.severity}`] : []),
            ...(check.fixHint ? [`fix: ${check.fixHint}`] : []),
            'evidence:',
            ...[...evidence, ...more].map((line) => `- ${line}`),
          ].join('\n'),
        },
        // The server under test is a deployment, not a file: a logical location, and the file a
        // person named (--sarif-path) for dashboards that need one (GitHub code scanning does).
        locations: [{
          logicalLocations: [{ name: report.target, kind: 'module', fullyQualifiedName: `${report.target}#${check.id}` }],
          ...(options.artifactPath ? { physicalLocation: { artifactLocation: { uri: options.artifactPath }, region: { startLine: 1 } } } : {}),
        }],
        // The check alone: an embedded target's port changes every run, and one alert per check is what a dashboard tracks.
        partialFingerprints: { 'bazaarCheck/v1': check.id },
        properties: { evidence: check.evidence, durationMs: check.durationMs, ...(check.severity ? { severity: check.severity } : {}), ...(check.fixHint ? { fixHint: check.fixHint } : {}) },
      };
    });
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'bazaar', informationUri: 'https://www.npmjs.com/package/bazaar', version: toolVersion, semanticVersion: toolVersion, rules: descriptors } },
      invocations: [{
        executionSuccessful: !report.interrupted,
        startTimeUtc: report.startedAt,
        endTimeUtc: new Date(Date.parse(report.startedAt) + report.durationMs).toISOString(),
        ...(report.interrupted ? { toolExecutionNotifications: [{ level: 'warning', message: { text: `${report.interrupted}: the findings are partial` } }] } : {}),
      }],
      properties: { target: report.target, ...(report.defect ? { defect: report.defect } : {}) },
      results,
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
