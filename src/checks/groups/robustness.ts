import { CLIENT_EVENTS, type Role } from '../../contract/index.ts';
import { isWellFormedAck, LIVENESS_PING, type Answer, type ProbeClient } from '../probe-client.ts';
import { behindProtoKey, describeValue, eventNameLabel, malformedIdValues, ODD_EVENT_NAMES, RAW_FRAMES, withField } from '../probes/hostile-payloads.ts';
import { CheckFailed, type CheckContext, type CheckDefinition } from '../types.ts';

/*
 * Robustness (docs/contract.md §2, §6.8): after every hostile payload, odd event name, malformed
 * frame or oversize frame the server still answers (healthz and a fresh connection), and the
 * offending socket got bad_request or was disconnected. Payloads are sent one at a time, so the
 * one that brought the server down is named. That the same socket is still served is proven with
 * an event whose ack the contract requires (LIVENESS_PING), never with an optional ack.
 */

const ANSWER_MS = 3_000;

/**
 * - `bad_request`: the ack is exactly a bad_request refusal.
 * - `refused`: an id-shaped value naming nothing: any refusal (not_found, forbidden, bad_request).
 * - `answered`: any well-formed ack; a refusal must be bad_request.
 * - `optional`, `optional-bad_request`: the contract's ack is optional (a leave, a heartbeat):
 *   no answer is fine; an answer, whenever it comes, is judged as `answered` or `bad_request`.
 * - `silent`: no ack in the contract (typing); the socket must still be served afterwards.
 */
type Expectation = 'bad_request' | 'refused' | 'answered' | 'optional' | 'optional-bad_request' | 'silent';

interface Case {
  event: string;
  name: string;
  payload: unknown;
  expect: Expectation;
}

const emitExpectingAnswer = (probe: ProbeClient, event: string, payload: unknown): Promise<Answer> => probe.emitExpectingAnswer(event, payload, ANSWER_MS);

function judgeAck(expectation: Expectation, ack: any): string | undefined {
  const code = ack?.ok === false ? ack?.error?.code : undefined;
  switch (expectation) {
    case 'bad_request':
    case 'optional-bad_request':
      return code === 'bad_request' ? undefined : 'expected {ok:false, error:{code:"bad_request"}}';
    case 'refused':
      return ack?.ok === false && typeof code === 'string' ? undefined : 'expected a refusal {ok:false, error:{code}}';
    case 'answered':
    case 'optional':
      if (ack?.ok === true) return undefined;
      return code === 'bad_request' ? undefined : 'expected {ok:true} or a bad_request refusal';
    case 'silent':
      return undefined;
  }
}

/**
 * Sends cases one at a time from sockets of one user, replacing a socket the server dropped.
 * Stops the check at once, naming the case, when the server stops answering.
 */
function createSender(ctx: CheckContext, userId: string, role: Role) {
  const sockets = new Map<string, ProbeClient>();
  const stopIfDown = async (what: string) => {
    const alive = await ctx.serverAlive();
    if (!alive.ok) throw new CheckFailed(`after ${what} the server stopped answering: ${alive.detail}`);
  };
  const socketFor = async (key: string) => {
    let probe = sockets.get(key);
    if (probe?.connected) return probe;
    try {
      probe = await ctx.connect(userId, role);
    } catch (error) {
      const alive = await ctx.serverAlive();
      throw new CheckFailed(`a fresh connection for ${userId} failed (${(error as Error).message}) before anything hostile was sent on it; the server: ${alive.detail}`);
    }
    sockets.set(key, probe);
    return probe;
  };
  /**
   * The same socket is still served after `what` (its events are taken in order), or was dropped
   * while the server lives on. Two round trips: a crash in the tick that handled `what` may let
   * the first answer out before the process dies, never the second.
   */
  const followUp = async (probe: ProbeClient, what: string) => {
    for (let round = 0; round < 2; round++) {
      const after = await probe.ping(ANSWER_MS);
      if (after.kind === 'disconnected') return stopIfDown(`${what} (after which the socket was disconnected: ${after.reason})`);
      if (after.kind === 'no answer' || !isWellFormedAck(after.ack)) {
        await stopIfDown(what);
        ctx.fail(`after ${what} the same socket was neither disconnected nor served: ${LIVENESS_PING.label} ${after.kind === 'ack' ? `answered ${JSON.stringify(after.ack)}` : `got no answer within ${ANSWER_MS} ms`}`);
        return;
      }
    }
  };
  return {
    socketFor,
    stopIfDown,
    followUp,
    async send(c: Case, socketKey = c.event): Promise<void> {
      const probe = await socketFor(socketKey);
      const what = `${c.event} with ${c.name} ${describeValue(c.payload)} from ${probe.name}`;
      if (c.expect === 'silent') {
        if (c.payload === undefined) probe.emit(c.event);
        else probe.emit(c.event, c.payload);
      } else if (c.expect === 'optional' || c.expect === 'optional-bad_request') {
        // Not waited for: a server may never answer. An answer that does come is judged when it comes.
        const args = c.payload === undefined ? [] : [c.payload];
        probe.socket.emit(c.event, ...args, (ack: unknown) => {
          const wrong = judgeAck(c.expect, ack);
          if (wrong) ctx.fail(`${what} answered ${JSON.stringify(ack)}; ${wrong}`);
        });
      } else {
        const outcome = await emitExpectingAnswer(probe, c.event, c.payload);
        if (outcome.kind === 'disconnected') return stopIfDown(`${what} (which disconnected the socket: ${outcome.reason})`);
        if (outcome.kind === 'no answer') ctx.fail(`${what} got no answer within ${ANSWER_MS} ms (expected bad_request or a disconnect)`);
        else {
          const wrong = judgeAck(c.expect, outcome.ack);
          if (wrong) ctx.fail(`${what} answered ${JSON.stringify(outcome.ack)}; ${wrong}`);
        }
      }
      await followUp(probe, what);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// robustness.hostile-payloads
// ---------------------------------------------------------------------------------------------

const JOIN_EVENTS = new Set(['listing:watch', 'booking:join', 'presence:watch']);
const LEAVE_EVENTS = new Set(['listing:unwatch', 'booking:leave', 'presence:unwatch']);
const OBJECT_EVENTS = new Set(['message:send', 'read:mark']);
const TYPING_EVENTS = new Set(['typing:start', 'typing:stop']);

function wholePayloadExpectation(event: string, idShaped: boolean): Expectation {
  if (TYPING_EVENTS.has(event)) return 'silent';
  // Their acks are optional (contract §5): a server may leave every one of them unanswered.
  if (event === 'presence:heartbeat') return 'optional';
  if (LEAVE_EVENTS.has(event)) return idShaped ? 'optional' : 'optional-bad_request';
  if (OBJECT_EVENTS.has(event)) return 'bad_request';
  if (JOIN_EVENTS.has(event)) return idShaped ? 'refused' : 'bad_request';
  return 'answered';
}

/** Field-level shapes for the object events, around a valid base the sender may use. */
function fieldCases(event: string, base: Record<string, unknown>, fields: string[], expect: (idShaped: boolean) => Expectation): Case[] {
  const cases: Case[] = [];
  for (const field of fields) {
    for (const v of malformedIdValues()) {
      cases.push({ event, name: `${field} ${v.name}`, payload: withField(base, field, v.value), expect: v.value === undefined ? expect(false) : expect(v.idShaped) });
    }
  }
  cases.push({ event, name: 'every field behind an own "__proto__" key', payload: behindProtoKey(base), expect: expect(false) });
  return cases;
}

async function hostilePayloads(ctx: CheckContext): Promise<void> {
  const sender = ctx.id('hostile');
  const seller = ctx.id('seller');
  const booking = await ctx.booking(sender, (await ctx.listing(seller)).id);
  const sellerP = await ctx.connect(seller, 'seller');
  const joined = await sellerP.ack('booking:join', booking.id);
  if (joined?.ok !== true) throw new CheckFailed(`setup: ${sellerP.name} could not join its booking ${booking.id}: ${JSON.stringify(joined)}`);
  const first = await sellerP.ack('message:send', { bookingId: booking.id, body: 'first', clientMsgId: ctx.id('msg') });
  if (first?.ok !== true) throw new CheckFailed(`setup: ${sellerP.name} could not send in its booking ${booking.id}: ${JSON.stringify(first)}`);
  const messageId = first.message.id as string;

  const cases: Case[] = [];
  for (const event of CLIENT_EVENTS) {
    for (const v of malformedIdValues()) cases.push({ event, name: v.name, payload: v.value, expect: wholePayloadExpectation(event, v.idShaped) });
  }
  const sendBase = { bookingId: booking.id, body: 'hostile', clientMsgId: ctx.id('msg') };
  // An id-shaped bookingId names no booking of the sender; an id-shaped clientMsgId is a valid id.
  cases.push(...fieldCases('message:send', sendBase, ['bookingId'], (idShaped) => (idShaped ? 'refused' : 'bad_request')));
  cases.push(...fieldCases('message:send', sendBase, ['clientMsgId'], (idShaped) => (idShaped ? 'answered' : 'bad_request')).filter((c) => c.expect !== 'answered'));
  for (const [name, body] of [['body an object', {}], ['body a number', 42], ['body null', null], ['body an array', ['x']], ['body missing', undefined], ['body empty', ''], ['body only whitespace', ' \n\t '], ['body of 4001 characters', 'y'.repeat(4001)]] as const) {
    cases.push({ event: 'message:send', name, payload: withField(sendBase, 'body', body), expect: 'bad_request' });
  }
  const readBase = { bookingId: booking.id, messageId };
  cases.push(...fieldCases('read:mark', readBase, ['bookingId', 'messageId'], (idShaped) => (idShaped ? 'refused' : 'bad_request')));
  for (const event of TYPING_EVENTS) cases.push(...fieldCases(event, { bookingId: booking.id }, ['bookingId'], () => 'silent'));

  const send = createSender(ctx, sender, 'buyer');
  for (const c of cases) await send.send(c);

  // A frame over maxHttpBufferSize (64 KiB): refused or the socket dropped, never written.
  const big = await send.socketFor('oversize');
  const what = `message:send with a 70 000-character body (a frame over 64 KiB) from ${big.name}`;
  const outcome = await emitExpectingAnswer(big, 'message:send', { bookingId: booking.id, body: 'z'.repeat(70_000), clientMsgId: ctx.id('msg') });
  if (outcome.kind === 'no answer') ctx.fail(`${what} got no answer within ${ANSWER_MS} ms and the socket stayed connected`);
  if (outcome.kind === 'ack' && outcome.ack?.error?.code !== 'bad_request') ctx.fail(`${what} answered ${JSON.stringify(outcome.ack)}; expected a disconnect or bad_request`);
  await send.stopIfDown(what);

  if (!sellerP.connected) ctx.fail(`${sellerP.name}, a bystander in booking ${booking.id}, was disconnected (${sellerP.disconnectReason}) by the hostile payloads of another socket`);
  const intruders = sellerP.all('message:new', (m: any) => m.id !== messageId);
  for (const m of intruders) ctx.fail(`${sellerP.name} received message:new ${describeValue(m)}: a hostile payload was written`);
  const res = await ctx.http('GET', `/api/bookings/${booking.id}/messages`, { as: [seller, 'seller'] });
  const messages: any[] = res.body?.messages ?? [];
  if (res.status !== 200 || messages.length !== 1 || messages[0]?.id !== messageId || messages[0]?.readAt !== null) {
    ctx.fail(`history of booking ${booking.id} after the hostile payloads should be only ${messageId}, unread; GET answered ${res.status} ${describeValue(res.body)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// robustness.odd-events-and-frames
// ---------------------------------------------------------------------------------------------


async function oddEventsAndFrames(ctx: CheckContext): Promise<void> {
  const userId = ctx.id('odd');
  const send = createSender(ctx, userId, 'buyer');
  for (const name of ODD_EVENT_NAMES) {
    const label = `event ${eventNameLabel(name)}`;
    // Without payload, with a string, with an own "__proto__" key, with an ack that may never come.
    const variants: [string, unknown[]][] = [
      ['no payload', []],
      ['a string', ['x']],
      ['an own "__proto__" key', [JSON.parse('{"__proto__":{"polluted":true}}')]],
      ['an object and an ack', [{ a: 1 }, () => {}]],
    ];
    for (const [variant, args] of variants) {
      const probe = await send.socketFor('names');
      probe.socket.emit(name, ...args);
      await send.followUp(probe, `${label} with ${variant} from ${probe.name}`);
    }
  }
  for (const [label, frame] of RAW_FRAMES) {
    const probe = await send.socketFor('frames');
    const what = `a raw frame with ${label} (${JSON.stringify(frame)}) from ${probe.name}`;
    probe.socket.io.engine.send(frame);
    await send.followUp(probe, what);
  }
  await send.stopIfDown('the odd event names and raw frames');
}

export const robustnessChecks: CheckDefinition[] = [
  {
    id: 'robustness.hostile-payloads',
    requires: ['contractWire'],
    title: 'Every client event with hostile payload shapes, and an oversize frame: bad_request or a disconnect, and the server still answers',
    guarantee: 'contract §2 ids and payloads; §6.8 Robustness: no payload crashes the server',
    timeoutMs: 60_000,
    run: hostilePayloads,
  },
  {
    id: 'robustness.odd-events-and-frames',
    requires: ['contractWire'],
    title: 'Unknown and prototype-named events and malformed Socket.IO frames crash nothing',
    guarantee: 'contract §6.8 Robustness: no frame or event name crashes the server',
    timeoutMs: 60_000,
    run: oddEventsAndFrames,
  },
];
