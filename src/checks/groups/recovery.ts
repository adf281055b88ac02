import type { ProbeClient } from '../probe-client.ts';
import { offsetOf, openRawSocket, type ConnectAnswer, type RawSocket } from '../probes/raw-socket.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';

/*
 * Connection state recovery (docs/contract.md §1; Socket.IO's connectionStateRecovery): a
 * restored session, and every packet it missed, goes only to a socket re-authorized as the
 * session's own user. Socket.IO writes a restored session's missed packets in the Socket's
 * constructor, before any middleware runs; a server that refuses a mismatched user in its
 * middleware has already put them on the wire, where socket.io-client hides them behind
 * `connect_error`. So this check speaks Socket.IO by hand and reads the raw frames. Another
 * user presents the owner's session twice: while the owner is connected (which must also cost
 * the owner nothing: its next message still arrives) and while the session waits for it.
 *
 * Skipped, with the reason, on a target without recovery: its CONNECT answer carries no `pid`,
 * or its own user presenting its own session id and offset does not get the session back.
 */

const ANSWER_MS = 5_000;
/** How long the owner's own resume is given to replay what it missed. */
const REPLAY_MS = 3_000;
/** "Nothing more arrived": at least this, or three times the slowest round trip measured here. */

const clip = (frame: string, max = 240) => (frame.length > max ? `${frame.slice(0, max)}…` : frame);

async function sendMessage(ctx: CheckContext, sender: ProbeClient, bookingId: string, label: string): Promise<string> {
  // The probe's ack round trip is one of the latencies ctx.absenceWindowMs() is sized from.
  const ack = await sender.ack('message:send', { bookingId, body: `recovery check: ${label}`, clientMsgId: ctx.id('msg') });
  if (ack?.ok !== true || typeof ack.message?.id !== 'string') {
    throw new Error(`setup: ${sender.name} could not send "${label}" in its booking ${bookingId}: ${JSON.stringify(ack)}`);
  }
  return ack.message.id as string;
}

/** Waits for message:new of one message id on a raw socket; its offset (the trailing string), if any. */
async function awaitMessage(raw: RawSocket, messageId: string, timeoutMs: number): Promise<{ seen: boolean; offset: string | undefined }> {
  const index = await raw.waitForFrame((d) => d.startsWith('42') && d.includes(messageId), 0, timeoutMs);
  if (index < 0) return { seen: false, offset: undefined };
  const event = raw.events().find((e) => e.event === 'message:new' && (e.args[0] as { id?: unknown })?.id === messageId);
  return { seen: true, offset: event ? offsetOf(event, 1) : undefined };
}

/**
 * The newest offset on any event this socket received (every server event of the contract has
 * one payload, so a trailing string is the offset), as socket.io-client keeps it.
 */
function latestOffset(raw: RawSocket): string | undefined {
  let offset: string | undefined;
  for (const event of raw.events()) offset = offsetOf(event, 1) ?? offset;
  return offset;
}

function describeAnswer(answer: ConnectAnswer): string {
  return answer.kind === 'no answer' ? `no CONNECT answer within ${ANSWER_MS} ms` : clip(answer.frame);
}

async function sessionHandover(ctx: CheckContext): Promise<void | { skipped: string }> {
  const owner = ctx.id('owner');
  const seller = ctx.id('seller');
  const intruder = ctx.id('intruder');
  const booking = await ctx.booking(owner, (await ctx.listing(seller)).id);
  const sellerP = await ctx.connect(seller, 'seller');
  const ownerToken = await ctx.token(owner, 'buyer');
  const intruderToken = await ctx.token(intruder, 'buyer');
  const raws: RawSocket[] = [];
  const open = async (name: string) => {
    const raw = await openRawSocket(ctx.url, name, ANSWER_MS);
    raws.push(raw);
    return raw;
  };
  // A timed-out or interrupted check closes its raw sockets at once (CheckContext.signal).
  const closeAll = () => {
    for (const raw of raws) raw.close();
  };
  ctx.signal.addEventListener('abort', closeAll, { once: true });
  try {
    // 1. The owner connects by hand, joins its booking, and receives one message: its offset.
    const first = await open(`${owner}@raw1`);
    const opened = await first.connect({ token: ownerToken }, ANSWER_MS);
    if (opened.kind !== 'connected') throw new Error(`setup: ${first.name} could not connect with its own valid token: ${describeAnswer(opened)}`);
    if (!opened.pid) {
      return { skipped: `the target has no connection state recovery: its CONNECT answer carries no pid (${clip(opened.frame)})` };
    }
    // The join's ack is optional (contract §5); the message that arrives through the room proves it.
    await first.emitWithAck('booking:join', [booking.id], ANSWER_MS);
    const m1 = await sendMessage(ctx, sellerP, booking.id, 'before the drop');
    const got1 = await awaitMessage(first, m1, ANSWER_MS);
    if (!got1.seen) throw new Error(`setup: ${first.name} joined booking ${booking.id} but did not receive message ${m1} within ${ANSWER_MS} ms`);
    // Room events may not be kept for replay (a fan-out outside the adapter): any kept event's offset will do.
    const offset1 = got1.offset ?? latestOffset(first);
    if (!offset1) {
      return { skipped: `the target has no connection state recovery: no event reached ${first.name} with an offset (${clip(first.events().at(-1)?.frame ?? '')})` };
    }

    // 2. Control: the owner drops, misses m2, and resumes with its own session id and offset.
    await first.drop();
    const m2 = await sendMessage(ctx, sellerP, booking.id, 'missed by the owner');
    const second = await open(`${owner}@raw2`);
    const resumed = await second.connect({ token: ownerToken, pid: opened.pid, offset: offset1 }, ANSWER_MS);
    if (resumed.kind !== 'connected') {
      throw new Error(`setup: ${owner} resuming its own session (pid ${opened.pid}, offset ${offset1}) with its own valid token was refused: ${describeAnswer(resumed)}`);
    }
    if (resumed.sid !== opened.sid) {
      return { skipped: `the target did not restore a session: ${owner} presenting its own pid and offset after a drop got a new session (${clip(resumed.frame)}, was sid ${opened.sid}); connection state recovery is off or keeps sessions too briefly` };
    }
    // A target may restore the session without replaying (it fills gaps from history): the
    // handover of the session itself is still checked below.
    await awaitMessage(second, m2, REPLAY_MS);
    /** Everything of the owner's: its booking and every message sent in it. */
    const ownedIds = [booking.id, m1, m2];

    /** Another user's CONNECT with the owner's pid and this offset; everything it got, up to a barrier. */
    const present = async (name: string, offset: string) => {
      const thief = await open(name);
      const presented = `${thief.name} presented ${owner}'s session (pid ${opened.pid}, offset ${offset}) with a valid token of its own`;
      const answer = await thief.connect({ token: intruderToken, pid: opened.pid, offset }, ANSWER_MS);
      // Everything the server wrote for that CONNECT is on the wire before the answer to the next
      // request on the same connection: a fresh CONNECT once refused, `session` once connected.
      if (answer.kind === 'refused') await thief.connect({ token: intruderToken }, ANSWER_MS);
      else if (answer.kind === 'connected') await thief.waitForFrame((d) => d.startsWith('42["session"'), 0, ANSWER_MS);
      return { thief, presented, answer };
    };
    // How long "nothing more arrived" waits: the suite's one formula (docs/checks.md, absence windows).
    const quietMs = () => ctx.absenceWindowMs();
    const judge = ({ thief, presented, answer }: Awaited<ReturnType<typeof present>>) => {
      for (const e of thief.events().filter((event) => ownedIds.some((id) => event.frame.includes(id)))) {
        ctx.fail(`${presented}; the server answered ${describeAnswer(answer)}, and its wire carried ${owner}'s ${e.event}: ${clip(e.frame)}`);
      }
      if (answer.kind === 'connected' && answer.sid === opened.sid) {
        ctx.fail(`${presented}; the server handed it ${owner}'s session: ${clip(answer.frame)} (sid ${opened.sid} is ${owner}'s)`);
      }
      thief.close();
    };

    // 3. While the owner is connected again, another user with a valid token of its own presents
    //    the owner's session id and the offset before m2: nothing of the owner's may reach it,
    //    and the owner's live socket must keep its booking (m3 still reaches it).
    const whileLive = await present(`${intruder}@raw3`, offset1);
    const m3 = await sendMessage(ctx, sellerP, booking.id, 'sent after another user presented the session');
    ownedIds.push(m3);
    if (!(await awaitMessage(second, m3, ANSWER_MS)).seen) {
      ctx.fail(`${whileLive.presented} while ${owner} was connected as ${second.name}; afterwards ${second.name} did not receive message ${m3} of its booking ${booking.id} within ${ANSWER_MS} ms: the presentation cost the owner its room`);
    }
    await ctx.sleep(quietMs());
    judge(whileLive);

    // 4. The owner drops again and misses m4; the other user presents the session id and the
    //    owner's latest offset while the session waits for its owner.
    await second.drop();
    const m4 = await sendMessage(ctx, sellerP, booking.id, 'missed by the owner, presented by another user');
    ownedIds.push(m4);
    const whileAway = await present(`${intruder}@raw4`, latestOffset(second) ?? offset1);
    await ctx.sleep(quietMs());
    judge(whileAway);
  } finally {
    ctx.signal.removeEventListener('abort', closeAll);
    closeAll();
  }
}

export const recoveryChecks: CheckDefinition[] = [
  {
    id: 'recovery.session-handover',
    requires: ['recovery'],
    title: 'Another user presenting a stolen session id and offset, with a valid token of its own, gets neither the session nor one missed packet (raw frames)',
    guarantee: 'contract §1 Identity: a recovered session, and every packet it missed, goes only to a socket re-authorized as its own user',
    timeoutMs: 30_000,
    run: sessionHandover,
  },
];
