import { openRawSocket, type RawSocket } from '../../probes/raw-socket.ts';
import type { ProbeClient } from '../../probe-client.ts';
import type { CheckContext, CheckDefinition } from '../../types.ts';
import { bystanderRoundTripMs, openBystander, percentileMs, stillServing } from './bystander.ts';

/*
 * Abuse limits: what one client can make the server do, and what it costs everyone else. Each
 * attack is bounded (about a second, a few thousand events) and reported with what the server
 * did (ctx.note) and what it cost a bystander: its round trips before and during the attack.
 * Verdicts:
 * - event flood: the flooding socket is refused (`rate_limited`) or disconnected; a server that
 *   handles every event of a few thousand a second from one socket sets no limit.
 * - room joins: a socket cannot join rooms without bound (the contract's limit is 100).
 * - oversized frames: a 2 MB frame is refused by closing the connection (Socket.IO's own default
 *   maxHttpBufferSize is 1 MB), never parsed and answered; attachment bombs and deep nesting
 *   crash nothing.
 * - connection flood: while one address opens connections as fast as it can, a bystander keeps
 *   being answered and a new user gets in, each within BYSTANDER_LIMIT_MS.
 * In every case the server must stay up and the bystander connected and served.
 */

const ANSWER_MS = 3_000;
const FLOOD_EVENTS = 3_000;
const FLOOD_MS = 1_000;
const FLOOD_BATCHES = 10;
/** The longest a bystander may wait for an answer while another client floods: beyond, the flood costs other users. */
const BYSTANDER_LIMIT_MS = 1_000;

const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${ms} ms`);

/** Pings a bystander back to back until `until` settles; its round trips (undefined: no answer). */
async function timeBystander(ctx: CheckContext, bystander: ProbeClient, until: Promise<unknown>): Promise<(number | undefined)[]> {
  let done = false;
  void until.finally(() => (done = true));
  const rounds: (number | undefined)[] = [];
  while (!done && !ctx.signal.aborted) {
    rounds.push(await bystanderRoundTripMs(ctx, bystander, ANSWER_MS));
    if (!done) await ctx.sleep(20);
  }
  return rounds;
}

async function baselineMs(ctx: CheckContext, bystander: ProbeClient): Promise<number | undefined> {
  const rounds: number[] = [];
  for (let i = 0; i < 5; i++) {
    const ms = await bystanderRoundTripMs(ctx, bystander, ANSWER_MS);
    if (ms !== undefined) rounds.push(ms);
  }
  return percentileMs(rounds, 50);
}

function judgeBystander(ctx: CheckContext, bystander: ProbeClient, attack: string, before: number | undefined, during: (number | undefined)[]): void {
  const answered = during.filter((ms): ms is number => ms !== undefined);
  const unanswered = during.length - answered.length;
  ctx.note(`cost to ${bystander.name}, a bystander: round trip p50 ${fmt(before)} before; during ${attack}: p50 ${fmt(percentileMs(answered, 50))}, max ${fmt(answered.length ? Math.max(...answered) : undefined)} over ${during.length} round trips, ${unanswered} unanswered`);
  if (unanswered > 0) ctx.fail(`during ${attack}, ${unanswered} of ${during.length} round trips of ${bystander.name}, a bystander, got no answer within ${ANSWER_MS} ms`);
  const worst = answered.length ? Math.max(...answered) : 0;
  if (worst > BYSTANDER_LIMIT_MS) ctx.fail(`during ${attack}, ${bystander.name}, a bystander, waited ${worst} ms for an answer (p50 before: ${fmt(before)}; limit ${BYSTANDER_LIMIT_MS} ms): one client's attack stalls everyone`);
}

// ---------------------------------------------------------------------------------------------
// security.abuse.event-flood
// ---------------------------------------------------------------------------------------------

async function eventFlood(ctx: CheckContext): Promise<void> {
  const bystander = await openBystander(ctx);
  const flooder = await ctx.connect(ctx.id('flooder'), 'buyer');
  const before = await baselineMs(ctx, bystander);
  const codes = new Map<string, number>();
  let answers = 0;
  const flood = (async () => {
    const perBatch = FLOOD_EVENTS / FLOOD_BATCHES;
    for (let batch = 0; batch < FLOOD_BATCHES && flooder.connected; batch++) {
      // read:mark {}: the cheapest event whose ack the contract requires (bad_request, no lookup).
      for (let i = 0; i < perBatch; i++) {
        flooder.socket.emit('read:mark', {}, (ack: any) => {
          answers++;
          const code = ack?.ok === true ? 'ok' : String(ack?.error?.code ?? 'malformed');
          codes.set(code, (codes.get(code) ?? 0) + 1);
        });
      }
      await ctx.sleep(FLOOD_MS / FLOOD_BATCHES);
    }
  })();
  const during = await timeBystander(ctx, bystander, flood);
  await flood;
  // Answers still on their way: wait until they stop coming, or the socket is gone.
  for (let last = -1; last !== answers && flooder.connected; ) {
    last = answers;
    await ctx.sleep(200);
  }
  const disconnected = !flooder.connected;
  const counted = [...codes].map(([code, n]) => `${n} ${code}`).join(', ') || 'none';
  ctx.note(`${FLOOD_EVENTS} read:mark in ${FLOOD_MS} ms from ${flooder.name}: answers ${counted}; ${FLOOD_EVENTS - answers} unanswered; ${disconnected ? `disconnected (${flooder.disconnectReason})` : 'still connected'}`);
  judgeBystander(ctx, bystander, `a flood of ${FLOOD_EVENTS} events in ${FLOOD_MS} ms from ${flooder.name}`, before, during);
  if (!disconnected && !codes.has('rate_limited')) {
    ctx.fail(`${flooder.name} sent ${FLOOD_EVENTS} read:mark in ${FLOOD_MS} ms and the server answered them all (${counted}) without a single rate_limited nor a disconnect: one socket may make the server do unbounded work`);
  }
  await stillServing(ctx, bystander, 'the event flood');
}

// ---------------------------------------------------------------------------------------------
// security.abuse.room-joins
// ---------------------------------------------------------------------------------------------

const JOIN_ROOMS = 120;

async function roomJoins(ctx: CheckContext): Promise<void> {
  const seller = ctx.id('seller');
  const listings: string[] = [];
  // Public listings anyone may watch, made 20 at a time.
  for (let i = 0; i < JOIN_ROOMS; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, JOIN_ROOMS - i) }, () => ctx.listing(seller)));
    listings.push(...batch.map((l) => l.id));
  }
  const joiner = await ctx.connect(ctx.id('joiner'), 'buyer');
  const acks = await Promise.all(listings.map((id) => joiner.ack('listing:watch', id)));
  const joined = acks.filter((a: any) => a?.ok === true).length;
  const refused = new Map<string, number>();
  for (const a of acks as any[]) {
    if (a?.ok !== true) refused.set(String(a?.error?.code ?? 'malformed'), (refused.get(String(a?.error?.code ?? 'malformed')) ?? 0) + 1);
  }
  const refusals = [...refused].map(([code, n]) => `${n} ${code}`).join(', ') || 'none';
  ctx.note(`${joiner.name} watched ${JOIN_ROOMS} public listings at once: ${joined} joined, refused ${refusals}; ${joiner.connected ? 'still connected' : `disconnected (${joiner.disconnectReason})`}`);
  if (joined === JOIN_ROOMS && joiner.connected) {
    ctx.fail(`${joiner.name} joined all ${JOIN_ROOMS} listing rooms it asked for on one socket, none refused: nothing bounds the rooms (and the fan-out work) one socket can take`);
  }
  const alive = await ctx.serverAlive();
  if (!alive.ok) ctx.fail(`after ${JOIN_ROOMS} joins from one socket the server stopped answering: ${alive.detail}`);
}

// ---------------------------------------------------------------------------------------------
// security.abuse.oversized-payloads
// ---------------------------------------------------------------------------------------------

const OVERSIZE_BYTES = 2 * 1024 * 1024;
const ATTACHMENTS = 1_000;
const NESTING = 20_000;

async function rawConnected(ctx: CheckContext, name: string): Promise<RawSocket> {
  const raw = await openRawSocket(ctx.url, name);
  const answer = await raw.connect({ token: await ctx.token(name, 'buyer') }, ANSWER_MS);
  if (answer.kind !== 'connected') throw new Error(`setup: raw socket ${name} could not CONNECT: ${answer.kind}`);
  return raw;
}

/** What the server did with a raw socket's last packet: answered (the ack), closed, or nothing. */
async function outcomeOf(raw: RawSocket, from: number): Promise<string> {
  raw.send('2probe');
  const index = await raw.waitForFrame((d) => d === '3probe' || d.startsWith('43'), from, ANSWER_MS);
  if (raw.isClosed) return 'closed the connection';
  if (index < 0) return `no answer within ${ANSWER_MS} ms`;
  const ack = raw.frames.slice(from).find((f) => f.data.startsWith('43'));
  return ack ? `answered ${ack.data.slice(0, 120)}` : 'took it without answering';
}

async function oversizedPayloads(ctx: CheckContext): Promise<void> {
  const bystander = await openBystander(ctx);

  // 1. A 2 MB frame: must be refused unread (the connection closed), not parsed and answered.
  const big = await ctx.connect(ctx.id('big'), 'buyer');
  const frameWhat = `message:send with a ${OVERSIZE_BYTES / 1024 / 1024} MB body from ${big.name}`;
  const outcome = await big.emitExpectingAnswer('message:send', { bookingId: 'none', body: 'z'.repeat(OVERSIZE_BYTES), clientMsgId: ctx.id('msg') }, ANSWER_MS);
  const frameOutcome = outcome.kind === 'ack' ? `answered ${JSON.stringify(outcome.ack).slice(0, 120)}` : outcome.kind === 'disconnected' ? `disconnected (${outcome.reason})` : `no answer within ${ANSWER_MS} ms`;
  ctx.note(`${frameWhat}: ${frameOutcome}`);
  if (outcome.kind !== 'disconnected') {
    ctx.fail(`${frameWhat} was read whole by the server (${frameOutcome}): a frame that size must close the connection unread (set maxHttpBufferSize, Socket.IO's default is 1 MB)`);
  }
  if (!(await stillServing(ctx, bystander, frameWhat))) return;

  // 2. An attachment bomb: one event with a thousand binary attachments.
  const bomber = await rawConnected(ctx, ctx.id('bomber'));
  try {
    const placeholders = Array.from({ length: ATTACHMENTS }, (_, num) => ({ _placeholder: true, num }));
    const from = bomber.frames.length;
    bomber.send(`45${ATTACHMENTS}-1${JSON.stringify(['message:send', { bookingId: 'none', body: 'x', clientMsgId: ctx.id('msg'), files: placeholders }])}`);
    for (let i = 0; i < ATTACHMENTS; i++) bomber.send(new Uint8Array([i & 0xff]));
    const what = `a binary message:send with ${ATTACHMENTS} attachments from ${bomber.name}`;
    ctx.note(`${what}: ${await outcomeOf(bomber, from)}`);
    if (!(await stillServing(ctx, bystander, what))) return;
  } finally {
    bomber.close();
  }

  // 3. Deep nesting, as JSON and inside a binary event (the parser walks it to put attachments back).
  const nested = (inner: string) => `${'['.repeat(NESTING)}${inner}${']'.repeat(NESTING)}`;
  const shapes: [string, (string | Uint8Array)[]][] = [
    [`a message:send whose body is nested ${NESTING} arrays deep`, [`421["message:send",{"bookingId":"none","body":${nested('"x"')},"clientMsgId":"${ctx.id('msg')}"}]`]],
    [`a binary message:send with its attachment ${NESTING} arrays deep`, [`451-1["message:send",${nested('{"_placeholder":true,"num":0}')}]`, new Uint8Array([1])]],
  ];
  for (const [shape, messages] of shapes) {
    const raw = await rawConnected(ctx, ctx.id('nester'));
    try {
      const from = raw.frames.length;
      for (const m of messages) raw.send(m);
      ctx.note(`${shape} from ${raw.name}: ${await outcomeOf(raw, from)}`);
      if (!(await stillServing(ctx, bystander, `${shape} from ${raw.name}`))) return;
    } finally {
      raw.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// security.abuse.connection-flood
// ---------------------------------------------------------------------------------------------

const FLOOD_CONNECTIONS = 150;

async function connectionFlood(ctx: CheckContext): Promise<void> {
  const bystander = await openBystander(ctx);
  const before = await baselineMs(ctx, bystander);
  const opened: RawSocket[] = [];
  let accepted = 0;
  const refused = new Map<string, number>();
  const startedAtMs = Date.now();
  const flood = Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, async (_, i) => {
    try {
      const name = `${ctx.prefix}-flood${i}`;
      const raw = await openRawSocket(ctx.url, name, ANSWER_MS);
      opened.push(raw);
      const answer = await raw.connect({ token: await ctx.token(name, 'buyer') }, ANSWER_MS);
      if (answer.kind === 'connected') accepted++;
      else refused.set(answer.kind === 'refused' ? answer.message : 'no answer', (refused.get(answer.kind === 'refused' ? answer.message : 'no answer') ?? 0) + 1);
    } catch (error) {
      const why = (error as Error).message.replace(/^.*?: /, '');
      refused.set(why, (refused.get(why) ?? 0) + 1);
    }
  }));
  // A new user arriving while the flood's handshakes are queued: how long it waits to get in.
  const newcomer = (async () => {
    await ctx.sleep(30);
    const arrivedAtMs = Date.now();
    try {
      (await ctx.connect(ctx.id('newcomer'), 'buyer', { timeoutMs: ANSWER_MS * 2 })).close();
      return Date.now() - arrivedAtMs;
    } catch {
      return undefined;
    }
  })();
  try {
    const during = await timeBystander(ctx, bystander, flood);
    await flood;
    const newcomerMs = await newcomer;
    ctx.note(`a new user arriving 30 ms into the flood waited ${newcomerMs === undefined ? `more than ${ANSWER_MS * 2} ms (gave up)` : `${newcomerMs} ms`} to connect`);
    if (newcomerMs === undefined || newcomerMs > BYSTANDER_LIMIT_MS) {
      ctx.fail(`a new user arriving during a flood of ${FLOOD_CONNECTIONS} connections from one address waited ${newcomerMs === undefined ? `more than ${ANSWER_MS * 2} ms and gave up` : `${newcomerMs} ms`} to connect (limit ${BYSTANDER_LIMIT_MS} ms): handshakes are expensive enough that one client's burst locks others out`);
    }
    const refusals = [...refused].map(([why, n]) => `${n} ${why}`).join(', ') || 'none';
    ctx.note(`${FLOOD_CONNECTIONS} connections opened at once from one address in ${Date.now() - startedAtMs} ms: ${accepted} accepted, refused ${refusals}`);
    judgeBystander(ctx, bystander, `a flood of ${FLOOD_CONNECTIONS} connections from one address`, before, during);
  } finally {
    for (const raw of opened) raw.close();
  }
  await stillServing(ctx, bystander, 'the connection flood');
}

export const abuseChecks: CheckDefinition[] = [
  {
    id: 'security.abuse.event-flood',
    requires: ['contractWire'],
    title: `${FLOOD_EVENTS} events in ${FLOOD_MS / 1000} s from one socket are rate-limited or disconnected, and a bystander stays served`,
    guarantee: 'contract §2 limits: more than 100 events/s per socket gets rate_limited; one client cannot stall others',
    severity: 'medium',
    fixHint: 'limit events per socket (a token bucket in socket.use answering rate_limited, disconnecting a socket that keeps it up), and keep expensive handlers off the event loop',
    timeoutMs: 20_000,
    run: eventFlood,
  },
  {
    id: 'security.abuse.room-joins',
    requires: ['contractWire', 'listings'],
    title: `one socket asking to watch ${JOIN_ROOMS} rooms is refused beyond a bound`,
    guarantee: 'contract §2 limits: a socket may be in at most 100 rooms it joined',
    severity: 'low',
    fixHint: 'count the rooms a socket joined (socket.rooms.size) and refuse joins beyond a bound with rate_limited',
    timeoutMs: 20_000,
    run: roomJoins,
  },
  {
    id: 'security.abuse.oversized-payloads',
    requires: ['contractWire'],
    title: 'a 2 MB frame closes the connection unread; attachment bombs and deeply nested payloads crash nothing and cost a bystander nothing',
    guarantee: 'contract §2: maxHttpBufferSize 64 KiB; §6.8 Robustness',
    severity: 'medium',
    fixHint: 'keep maxHttpBufferSize small (Socket.IO\'s default is 1 MB; the contract\'s is 64 KiB) and upload files over HTTP, where size and count are checked before anything is parsed',
    timeoutMs: 20_000,
    run: oversizedPayloads,
  },
  {
    id: 'security.abuse.connection-flood',
    requires: ['contractWire'],
    title: `${FLOOD_CONNECTIONS} connections opened at once from one address: a bystander and a new user are still answered within ${BYSTANDER_LIMIT_MS} ms`,
    guarantee: 'one client cannot stall others: the handshake does no heavy work on the event loop',
    severity: 'medium',
    fixHint: 'keep the handshake cheap (verify the token; no synchronous hashing, file or network work on the event loop), and limit connection rates per address at the proxy',
    timeoutMs: 20_000,
    run: connectionFlood,
  },
];
