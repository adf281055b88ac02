import { BazaarError } from '../errors.ts';
import type { Probe, ProbeContext, ProbeFinding } from './probe.ts';

/**
 * Whether a target speaks a dialect, judged from what the probes found (pure):
 * - `unreachable`: a required probe got no answer at all;
 * - `foreign`: something answered, but a required probe found the dialect missing;
 * - `credentials`: the dialect is there, but the probe's credentials were refused;
 * - `speaks`: every required probe passed.
 * A dialect miss outranks a refused token: a server of another dialect refuses the contract's
 * token too, and "wrong secret" would send the person the wrong way.
 */
export type DialectVerdict =
  | { kind: 'speaks'; findings: ProbeFinding[] }
  | { kind: 'unreachable'; findings: ProbeFinding[]; cause: ProbeFinding }
  | { kind: 'foreign'; findings: ProbeFinding[]; missing: ProbeFinding[] }
  | { kind: 'credentials'; findings: ProbeFinding[]; refused: ProbeFinding[] };

const failed = (f: ProbeFinding, kind: 'unreachable' | 'dialect' | 'credentials') => !f.ok && f.missing === kind;

export function judgeDialect(findings: ProbeFinding[]): DialectVerdict {
  const required = findings.filter((f) => f.required);
  // Nothing answering one probe means the host is down or the URL wrong: the rest say nothing.
  const unreachable = required.find((f) => failed(f, 'unreachable'));
  if (unreachable) return { kind: 'unreachable', findings, cause: unreachable };
  const missing = required.filter((f) => failed(f, 'dialect'));
  if (missing.length) return { kind: 'foreign', findings, missing };
  const refused = required.filter((f) => failed(f, 'credentials'));
  if (refused.length) return { kind: 'credentials', findings, refused };
  return { kind: 'speaks', findings };
}

/** One line per probe: `✗ POST /api/listings as a buyer: POST /api/listings → 404 {...}`. */
export function renderFindings(findings: readonly ProbeFinding[]): string[] {
  return findings.map((f) => `${f.ok ? '✓' : f.required ? '✗' : '·'} ${f.probed}: ${f.found}`);
}

/** Every probe at once (they are independent), each as a finding; a probe that throws is a finding too. */
export async function runProbes(probes: readonly Probe[], context: ProbeContext): Promise<ProbeFinding[]> {
  return Promise.all(
    probes.map(async (probe): Promise<ProbeFinding> => {
      const base = { id: probe.id, probed: probe.probed, required: probe.required };
      try {
        return { ...base, ...(await probe.run(context)) };
      } catch (error) {
        return { ...base, ok: false, missing: 'dialect', found: `the probe failed: ${(error as Error).message}` };
      }
    }),
  );
}

export interface DialectOptions {
  /** Names the dialect in messages: `the contract (docs/contract.md)` or `the profile bazaar.target.ts`. */
  dialect: string;
  /** What to do when the token is refused (flags differ between a profile and the contract). */
  credentialsHint: string;
  /** What to do when the dialect is not spoken; default: write a profile with bazaar init. */
  foreignHint?: string;
}

/** The verdict as an error a person can act on; undefined when the target speaks the dialect. */
export function dialectError(url: string, verdict: DialectVerdict, options: DialectOptions): BazaarError | undefined {
  switch (verdict.kind) {
    case 'speaks':
      return undefined;
    case 'unreachable':
      return new BazaarError('BAZAAR_TARGET_UNREACHABLE', verdict.cause.found,
        'start the server first, or leave out --target to use the bundled reference server');
    case 'credentials':
      return new BazaarError('BAZAAR_BAD_SECRET', `${url} ${verdict.refused.map((f) => f.found).join('; ')}`, options.credentialsHint);
    case 'foreign':
      return new BazaarError('BAZAAR_UNKNOWN_DIALECT',
        [`${url} does not speak ${options.dialect}; nothing was run. What bazaar probed:`, ...renderFindings(verdict.findings).map((l) => `  ${l}`)].join('\n'),
        options.foreignHint ?? `describe how your server speaks in a profile: npx bazaar init --target ${url} writes a skeleton (walk-through: docs/own-server.md)`);
  }
}

/**
 * Probe the target and throw, up front, when it does not speak the dialect: a server of
 * another dialect must not come out of `bazaar check` as "28 failed" (issue 13 §3).
 * Resolves with the findings (their facts: the handshake, the `session` payload) otherwise.
 */
export async function requireDialect(probes: readonly Probe[], context: ProbeContext, options: DialectOptions): Promise<ProbeFinding[]> {
  const findings = await runProbes(probes, context);
  const error = dialectError(context.url, judgeDialect(findings), options);
  if (error) throw error;
  return findings;
}
