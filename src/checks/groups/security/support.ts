import type { ProbeClient, ProbeConnectOptions } from '../../probe-client.ts';
import { describeTokenValue } from '../../probes/tokens.ts';
import type { CheckContext } from '../../types.ts';

/*
 * What the security.* families share: a handshake with a hand-made token, judged only as
 * accepted or refused (auth.* already holds the contract's exact refusal message), and the
 * claims of a valid token, so forged ones keep the target's own claim names.
 */

export type HandshakeVerdict = { accepted: true; probe: ProbeClient } | { accepted: false; message: string };

/** Connect with `auth.token` = token (and any other options); the probe is the caller's to close. */
export async function tryHandshake(ctx: CheckContext, name: string, token: unknown, options: ProbeConnectOptions = {}): Promise<HandshakeVerdict> {
  try {
    return { accepted: true, probe: await ctx.connectRaw(name, { ...options, auth: { token } }) };
  } catch (error) {
    return { accepted: false, message: (error as Error).message };
  }
}

/** A kind of token and the token: evidence if the handshake accepts it. */
export async function expectRefused(ctx: CheckContext, name: string, kind: string, token: string): Promise<void> {
  const verdict = await tryHandshake(ctx, name, token);
  if (!verdict.accepted) return;
  const session = await verdict.probe.waitFor('session', () => true, 1_000);
  ctx.fail(`handshake with ${kind} (auth.token ${describeTokenValue(token)}) was accepted: ${verdict.probe.name} connected${session ? ` and got session ${JSON.stringify(session)}` : ''}`);
  verdict.probe.close();
}

/** The token the check starts from must be accepted, or no refusal means anything. */
export async function expectAcceptedToken(ctx: CheckContext, name: string, token: string, what: string): Promise<void> {
  const verdict = await tryHandshake(ctx, name, token);
  if (!verdict.accepted) throw new Error(`setup: ${what} was refused at the handshake ("${verdict.message}"), so refusals prove nothing`);
  verdict.probe.close();
}

export const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT's header and claims, decoded without any verification. */
export function decodeToken(token: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signature: string } {
  const [headerPart = '', payloadPart = '', signature = ''] = token.split('.');
  const decode = (part: string) => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  return { header: decode(headerPart), claims: decode(payloadPart), signature };
}
