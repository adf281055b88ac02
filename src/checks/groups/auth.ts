import { randomBytes } from 'node:crypto';
import { signToken } from '../../contract/index.ts';
import { LIVENESS_PING, type ProbeClient } from '../probe-client.ts';
import { describeTokenValue, forgedClaimTokens, malformedTokens, shortLivedToken, tamperedTokens, type BadToken } from '../probes/tokens.ts';
import { CheckFailed, type CheckContext, type CheckDefinition } from '../types.ts';

/*
 * Identity (docs/contract.md §1): every token the contract rejects is refused at the handshake
 * with a connect_error of exactly "unauthorized" and on HTTP with 401 {error:{code:"unauthorized"}};
 * a token in the query string is not read; a socket does not outlive its token.
 */

const UNAUTHORIZED = 'unauthorized';
const NEEDS_SECRET = 'needs --jwt-secret to forge tokens';

/** Any authenticated caller gets past auth on this route (then 404): only auth can answer 401. */
const httpProbePath = (ctx: CheckContext) => `/api/bookings/${ctx.id('nobooking')}/messages`;

/** Connect with a token value in `auth`; evidence if the handshake is not refused with exactly "unauthorized". */
async function expectHandshakeRefused(ctx: CheckContext, name: string, bad: BadToken): Promise<void> {
  const auth = bad.value === undefined ? {} : { token: bad.value };
  let probe: ProbeClient;
  try {
    probe = await ctx.connectRaw(name, { auth });
  } catch (error) {
    const message = (error as Error).message;
    if (message !== UNAUTHORIZED) {
      ctx.fail(`handshake with ${bad.kind} (auth.token ${describeTokenValue(bad.value)}) was refused with connect_error "${message}", expected exactly "${UNAUTHORIZED}"`);
    }
    return;
  }
  const session = await probe.waitFor('session', () => true, 1_000);
  ctx.fail(`handshake with ${bad.kind} (auth.token ${describeTokenValue(bad.value)}) was accepted: ${probe.name} connected${session ? ` and got session ${JSON.stringify(session)}` : ''}`);
  probe.close();
}

/** HTTP with `Authorization: Bearer <value>`; evidence unless 401 with code unauthorized. */
async function expectHttpRefused(ctx: CheckContext, path: string, bad: BadToken): Promise<void> {
  if (bad.value !== undefined && typeof bad.value !== 'string') return; // not expressible in a header
  const res = await ctx.http('GET', path, { token: (bad.value as string | undefined) ?? '' });
  const code = res.body?.error?.code;
  if (res.status !== 401 || code !== UNAUTHORIZED) {
    ctx.fail(`GET ${path} with ${bad.kind} (Bearer ${describeTokenValue(bad.value)}) answered ${res.status} ${JSON.stringify(res.body)}, expected 401 {"error":{"code":"${UNAUTHORIZED}"}}`);
  }
}

/** The token the check starts from must work, or nothing it refuses means anything. */
async function expectAccepted(ctx: CheckContext, name: string, token: string, path: string, what: string): Promise<void> {
  try {
    const probe = await ctx.connectRaw(name, { auth: { token } });
    probe.close();
  } catch (error) {
    throw new CheckFailed(`${what} was refused at the handshake (connect_error "${(error as Error).message}"), so refusals prove nothing`);
  }
  const res = await ctx.http('GET', path, { token });
  if (res.status === 401) throw new CheckFailed(`${what} was refused on HTTP (GET ${path} answered 401), so refusals prove nothing`);
}

async function expectAllRefused(ctx: CheckContext, name: string, tokens: BadToken[]): Promise<void> {
  const path = httpProbePath(ctx);
  await Promise.all(tokens.flatMap((bad) => [expectHandshakeRefused(ctx, name, bad), expectHttpRefused(ctx, path, bad)]));
}

export const authChecks: CheckDefinition[] = [
  {
    id: 'auth.rejects-unsigned-tokens',
    requires: ['jwt'],
    title: 'No token, malformed tokens, a wrong signature and alg "none" are refused (handshake and HTTP)',
    guarantee: 'contract §1 Identity: rejected with exactly "unauthorized" / 401',
    async run(ctx) {
      const userId = ctx.id('buyer');
      const valid = await ctx.token(userId, 'buyer');
      const path = httpProbePath(ctx);
      await expectAccepted(ctx, `${userId}-valid`, valid, path, 'the valid token the tampered ones are made from');
      // Tampered from a valid token: no secret needed, so this runs against token-module targets too.
      await expectAllRefused(ctx, `${userId}-forged`, [...malformedTokens(), ...tamperedTokens(valid, randomBytes(24).toString('base64url'))]);
    },
  },
  {
    id: 'auth.rejects-bad-claims',
    requires: ['jwt'],
    title: 'Correctly signed tokens with another algorithm, expired, or missing or unknown claims are refused (handshake and HTTP)',
    guarantee: 'contract §1 Identity: HS256 only; sub, role, exp required',
    async run(ctx) {
      if (!ctx.jwtSecret) return { skipped: NEEDS_SECRET };
      const userId = ctx.id('buyer');
      const control = signToken({ sub: userId, role: 'buyer', secret: ctx.jwtSecret, ttlMs: 600_000 });
      await expectAccepted(ctx, `${userId}-valid`, control, httpProbePath(ctx), 'a valid HS256 token signed with --jwt-secret');
      await expectAllRefused(ctx, `${userId}-forged`, forgedClaimTokens({ secret: ctx.jwtSecret, sub: userId, role: 'buyer', nowMs: Date.now() }));
    },
  },
  {
    id: 'auth.query-string-token',
    requires: ['jwt'],
    title: 'A valid token in the query string instead of auth is refused (handshake and HTTP)',
    guarantee: 'contract §1 Identity: a token in the query string is not accepted',
    async run(ctx) {
      const userId = ctx.id('buyer');
      const token = await ctx.token(userId, 'buyer');
      // The names frameworks commonly read a query token from.
      for (const param of ['token', 'access_token', 'jwt']) {
        try {
          const probe = await ctx.connectRaw(`${userId}-query`, { query: { [param]: token } });
          ctx.fail(`handshake with no auth.token and a valid token in the query string (?${param}=...) was accepted: ${probe.name} connected`);
          probe.close();
        } catch (error) {
          const message = (error as Error).message;
          if (message !== UNAUTHORIZED) ctx.fail(`handshake with a token only in the query string (?${param}=...) was refused with "${message}", expected exactly "${UNAUTHORIZED}"`);
        }
        const path = `${httpProbePath(ctx)}?${param}=${encodeURIComponent(token)}`;
        const res = await ctx.http('GET', path);
        if (res.status !== 401) ctx.fail(`GET ${path.replace(token, '<valid token>')} without Authorization answered ${res.status}, expected 401`);
      }
    },
  },
  {
    id: 'auth.disconnect-at-expiry',
    requires: ['jwt'],
    title: 'A socket is disconnected by the server when its token expires, and a fresh token connects again',
    guarantee: 'contract §1 Identity: a socket does not outlive its token',
    timeoutMs: 25_000,
    async run(ctx) {
      if (!ctx.jwtSecret) return { skipped: NEEDS_SECRET };
      const userId = ctx.id('buyer');
      // exp is judged by the server's clock: mint it on that clock (read from the HTTP Date
      // header), so a target a few seconds off is neither refused at once nor waited for in vain.
      const clock = await ctx.serverClockSkew();
      const { token, expiresAtMs: serverExpiresAtMs } = shortLivedToken({
        secret: ctx.jwtSecret,
        sub: userId,
        role: 'buyer',
        nowMs: Date.now() + clock.skewMs,
        minLifetimeMs: 1_500 + clock.uncertaintyMs,
      });
      // When exp comes by our clock, as far as the skew is known.
      const expiresAtMs = serverExpiresAtMs - clock.skewMs;
      const skewText = `server clock ${clock.skewMs >= 0 ? '+' : ''}${clock.skewMs} ± ${clock.uncertaintyMs} ms against ours, from its Date header`;
      const expiry = `exp ${serverExpiresAtMs / 1000} (${new Date(serverExpiresAtMs).toISOString()} server time; ${skewText})`;
      let probe: ProbeClient;
      try {
        probe = await ctx.connectRaw(userId, { auth: { token } });
      } catch (error) {
        throw new CheckFailed(`a token valid until ${expiry} was refused at ${new Date(Date.now() + clock.skewMs).toISOString()} server time with "${(error as Error).message}"`);
      }
      // Timers, the wire and the skew estimate are not exact; a socket still there this long after exp outlived its token.
      const marginMs = 2_000 + clock.uncertaintyMs + ctx.absenceWindowMs();
      const disconnected = await probe.whenDisconnected(expiresAtMs - Date.now() + marginMs);
      if (!disconnected) {
        const served = await probe.ping();
        throw new CheckFailed(
          `${probe.name} connected with a token of ${expiry} was still connected ${Date.now() - expiresAtMs} ms after exp` +
            ` (${LIVENESS_PING.label} then ${served.kind === 'ack' ? `answered ${JSON.stringify(served.ack)}` : served.kind})`,
        );
      }
      if (probe.disconnectReason !== 'io server disconnect') {
        ctx.fail(`${probe.name} (token ${expiry}) was disconnected with reason "${probe.disconnectReason}", expected "io server disconnect" (the server disconnecting it)`);
      }
      try {
        const again = await ctx.connect(userId, 'buyer');
        again.close();
      } catch (error) {
        ctx.fail(`after its token expired, ${userId} could not connect again with a fresh token: "${(error as Error).message}"`);
      }
    },
  },
];
