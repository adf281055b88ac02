import type { ProbeClient } from '../../probe-client.ts';
import { offsetOf, openRawSocket, type ConnectAnswer, type RawSocket } from '../../probes/raw-socket.ts';
import { shortLivedToken } from '../../probes/tokens.ts';
import type { CheckContext, CheckDefinition } from '../../types.ts';

/*
 * Recovery (issue 11, docs/security.md "Recovery"). recovery.session-handover already presents
 * a session to another user with a valid token of its own (and finds missed packets written
 * before any refusal). This family presents it as its own user no longer holds it: with the
 * token it had, expired meanwhile (the contract's revocation). That may neither resume the
 * session nor read one packet it missed. Raw frames, as recovery.ts explains: Socket.IO writes missed packets
 * before any middleware runs.
 */

const ANSWER_MS = 5_000;
const clip = (frame: string, max = 240) => (frame.length > max ? `${frame.slice(0, max)}…` : frame);
const describe = (answer: ConnectAnswer) => (answer.kind === 'no answer' ? `no CONNECT answer within ${ANSWER_MS} ms` : clip(answer.frame));

async function sendMessage(ctx: CheckContext, sender: ProbeClient, bookingId: string, label: string): Promise<string> {
  const ack = await sender.ack('message:send', { bookingId, body: `security recovery check: ${label}`, clientMsgId: ctx.id('msg') });
  if (ack?.ok !== true || typeof ack.message?.id !== 'string') throw new Error(`setup: ${sender.name} could not send "${label}" in booking ${bookingId}: ${JSON.stringify(ack)}`);
  return ack.message.id as string;
}

async function expiredResume(ctx: CheckContext): Promise<void | { skipped: string }> {
  if (!ctx.jwtSecret) return { skipped: 'needs --jwt-secret to mint a token that expires within the check' };
  const owner = ctx.id('owner');
  const seller = ctx.id('seller');
  const booking = await ctx.booking(owner, (await ctx.listing(seller)).id);
  const sellerP = await ctx.connect(seller, 'seller');
  // exp is judged by the server's clock: mint on it, as auth.disconnect-at-expiry does.
  const clock = await ctx.serverClockSkew();
  const short = shortLivedToken({ secret: ctx.jwtSecret, sub: owner, role: 'buyer', nowMs: Date.now() + clock.skewMs, minLifetimeMs: 1_200 + clock.uncertaintyMs });
  const expiresAtMs = short.expiresAtMs - clock.skewMs;
  const raws: RawSocket[] = [];
  const open = async (name: string) => {
    const raw = await openRawSocket(ctx.url, name, ANSWER_MS);
    raws.push(raw);
    return raw;
  };
  const closeAll = () => raws.forEach((raw) => raw.close());
  ctx.signal.addEventListener('abort', closeAll, { once: true });
  try {
    const first = await open(`${owner}@raw1`);
    const opened = await first.connect({ token: short.token }, ANSWER_MS);
    if (opened.kind !== 'connected') throw new Error(`setup: ${first.name} could not connect with its own valid token: ${describe(opened)}`);
    if (!opened.pid) return { skipped: `the target has no connection state recovery: its CONNECT answer carries no pid (${clip(opened.frame)})` };
    await first.emitWithAck('booking:join', [booking.id], ANSWER_MS);
    const m1 = await sendMessage(ctx, sellerP, booking.id, 'before the drop');
    const index = await first.waitForFrame((d) => d.startsWith('42') && d.includes(m1), 0, ANSWER_MS);
    if (index < 0) throw new Error(`setup: ${first.name} joined booking ${booking.id} but did not receive message ${m1}`);
    const offset = first.events().map((e) => offsetOf(e, 1)).filter((o) => o !== undefined).at(-1);
    if (!offset) return { skipped: `the target has no connection state recovery: no event reached ${first.name} with an offset` };
    await first.drop();
    const m2 = await sendMessage(ctx, sellerP, booking.id, 'missed by the owner');

    const present = async (name: string, auth: Record<string, unknown>, how: string) => {
      const raw = await open(name);
      const answer = await raw.connect({ ...auth, pid: opened.pid, offset }, ANSWER_MS);
      // Everything written for that CONNECT is on the wire before the answer to the next request.
      if (answer.kind === 'refused') await raw.connect({}, ANSWER_MS);
      else if (answer.kind === 'connected') await raw.waitForFrame((d) => d.startsWith('42["session"'), 0, ctx.absenceWindowMs());
      const presented = `${raw.name} presented ${owner}'s session (pid ${opened.pid}, offset ${offset}) ${how}`;
      for (const e of raw.events().filter((event) => event.frame.includes(m2) || event.frame.includes(booking.id))) {
        ctx.fail(`${presented}; the server answered ${describe(answer)}, and its wire carried ${owner}'s missed ${e.event}: ${clip(e.frame)}`);
      }
      if (answer.kind === 'connected' && answer.sid === opened.sid) ctx.fail(`${presented}; the server resumed the session: ${clip(answer.frame)} (sid ${opened.sid} is the session's)`);
      raw.close();
    };
    // Once the owner's token has expired: the token it had. (A presentation with no token, or
    // another user's, is refused by any handshake: what leaks before that refusal is
    // recovery.session-handover's to find.)
    await ctx.sleep(Math.max(0, expiresAtMs - Date.now()) + 300 + clock.uncertaintyMs);
    await present(`${owner}@raw2`, { token: short.token }, `with the token it connected with, expired ${Date.now() - expiresAtMs} ms ago (exp ${short.expiresAtMs / 1000})`);
  } finally {
    ctx.signal.removeEventListener('abort', closeAll);
    closeAll();
  }
}

export const securityRecoveryChecks: CheckDefinition[] = [
  {
    id: 'security.recovery.expired-token-resume',
    requires: ['recovery', 'jwt'],
    severity: 'high',
    fixHint: 'run the handshake middleware on resumed sessions (connectionStateRecovery.skipMiddlewares: false) and verify the token presented now, with its exp, before any missed packet is written; drop sessions whose token has expired',
    title: 'A session resumed with its own user\'s expired token is neither restored nor given one missed packet (raw frames)',
    guarantee: 'contract §1 Identity: a socket does not outlive its token, and a recovered session goes only to a socket re-authorized now',
    timeoutMs: 20_000,
    run: expiredResume,
  },
];
