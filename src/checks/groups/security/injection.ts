import type { MessageNewPayload } from '../../../contract/index.ts';
import type { ProbeClient } from '../../probe-client.ts';
import { describeValue } from '../../probes/hostile-payloads.ts';
import { CheckFailed, type CheckContext, type CheckDefinition } from '../../types.ts';
import { bookingWorld, describeAck, joinAll } from '../messaging-support.ts';

/*
 * Room and identity injection: what a client can reach by choosing ids and names itself.
 * - crafted room ids: variants of another booking's id (letter case, whitespace, room-name
 *   prefixes, paths, encodings) and other users' ids, sent as a join, must not let a stranger
 *   hear that booking (judged by receipt, as authz.* is; any dialect).
 * - claimed identity: user-id fields in a payload (beyond the senderId authz.claimed-sender
 *   covers) never change who acts: not for a party, not for a stranger, not for a read receipt.
 * - user enumeration: watching the presence of a user who exists but may not be watched, and of
 *   one who does not exist, answers alike, so user ids (names, often) cannot be probed.
 */

const WAIT_MS = 3_000;
const isOk = (ack: unknown) => (ack as { ok?: unknown } | undefined)?.ok === true;

async function connected(ctx: CheckContext, userId: string, role: 'buyer' | 'seller'): Promise<ProbeClient> {
  const probe = await ctx.connect(userId, role);
  if (!(await probe.waitFor('session', () => true, WAIT_MS))) throw new Error(`setup: ${probe.name} got no session event`);
  return probe;
}

/** Ids a client might craft to reach booking `id` of `buyer` and `seller`, or their own rooms. */
export function craftedIds(id: string, buyer: string, seller: string): [string, string][] {
  const swapped = [...id].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
  return [
    ['the id upper-cased', id.toUpperCase()],
    ['the id with its letter case swapped', swapped],
    ['the id with a trailing space', `${id} `],
    ['the id with a leading newline', `\n${id}`],
    ['the id with a trailing NUL', `${id}\u0000`],
    ['"booking:<id>"', `booking:${id}`],
    ['"room:<id>"', `room:${id}`],
    ['"./<id>"', `./${id}`],
    ['"<id>/"', `${id}/`],
    ['the id with its first character percent-encoded', `%${id.charCodeAt(0).toString(16)}${id.slice(1)}`],
    ['the id twice, comma-separated', `${id},${id}`],
    ['"user:<buyer>"', `user:${buyer}`],
    ['"user:<seller>"', `user:${seller}`],
    ['the buyer\'s user id', buyer],
    ['the seller\'s user id', seller],
  ];
}

async function craftedRoomIds(ctx: CheckContext): Promise<void> {
  const { seller, buyer, booking } = await bookingWorld(ctx);
  const stranger = ctx.id('stranger');
  const [buyerP, sellerP, strangerP] = await Promise.all([connected(ctx, buyer, 'buyer'), connected(ctx, seller, 'seller'), connected(ctx, stranger, 'buyer')]);
  await joinAll([buyerP, sellerP], 'booking:join', booking.id);
  const attempts = craftedIds(booking.id, buyer, seller);
  const acks = await Promise.all(attempts.map(([, value]) => strangerP.ack('booking:join', value)));

  const clientMsgId = ctx.id('msg');
  const sentAtMs = Date.now();
  const sent = await sellerP.ack<{ ok: boolean }>('message:send', { bookingId: booking.id, body: 'for the buyer only', clientMsgId });
  if (!isOk(sent)) throw new Error(`setup: ${sellerP.name} could not send in its booking ${booking.id}: ${describeAck(sent)}`);
  const control = await buyerP.waitFor<MessageNewPayload>('message:new', (m) => m?.clientMsgId === clientMsgId, WAIT_MS);
  if (!control) throw new CheckFailed(`control ${buyerP.name} (the buyer) did not receive the seller's message ${clientMsgId} in booking ${booking.id} within ${WAIT_MS} ms, so absence elsewhere proves nothing`);
  ctx.observeLatency(Date.now() - sentAtMs);
  await ctx.sleep(ctx.absenceWindowMs());

  const leaked = strangerP.all<MessageNewPayload>('message:new', (m) => m?.clientMsgId === clientMsgId || m?.bookingId === booking.id);
  if (leaked.length > 0) {
    const accepted = attempts.filter((_, i) => isOk(acks[i])).map(([name, value]) => `${name} ${JSON.stringify(value)}`);
    ctx.fail(`${strangerP.name} (not a party) received message:new ${describeValue(leaked[0])} of booking ${booking.id} after joining crafted ids; joins answered ok: ${accepted.join('; ') || 'none (yet it was put in the room)'}`);
  }
}

async function claimedIdentity(ctx: CheckContext): Promise<void> {
  const { seller, buyer, booking } = await bookingWorld(ctx);
  const stranger = ctx.id('stranger');
  const [buyerP, sellerP, strangerP] = await Promise.all([connected(ctx, buyer, 'buyer'), connected(ctx, seller, 'seller'), connected(ctx, stranger, 'buyer')]);
  await joinAll([buyerP, sellerP], 'booking:join', booking.id);
  const claims = (userId: string) => ({ userId, from: userId, author: userId, user: { id: userId, userId, role: 'admin' }, sender: { id: userId }, role: 'admin' });

  // 1. A party claiming to be the other party: sent as itself, or refused.
  const asSeller = ctx.id('msg');
  const ack = await buyerP.ack<{ ok: boolean; message?: MessageNewPayload }>('message:send', { bookingId: booking.id, body: 'claims to be the seller', clientMsgId: asSeller, ...claims(seller) });
  if (isOk(ack)) {
    if (ack.message?.senderId !== undefined && ack.message.senderId !== buyer) ctx.fail(`${buyerP.name} sent message:send claiming userId/from/author/user.id ${seller}; the answer names sender ${ack.message.senderId}, not the logged-in ${buyer}`);
    const receipt = await sellerP.waitFor<MessageNewPayload>('message:new', (m) => m?.clientMsgId === asSeller, WAIT_MS);
    if (receipt && receipt.senderId !== buyer) ctx.fail(`${buyerP.name} (logged in as ${buyer}) sent a message claiming userId ${seller}; ${sellerP.name} received it with senderId ${receipt.senderId}: the server took the acting user from the payload`);
  }

  // 2. A stranger claiming to be the buyer: refused, and nothing reaches the parties.
  const asBuyer = ctx.id('msg');
  const strangerAck = await strangerP.ack('message:send', { bookingId: booking.id, body: 'claims to be the buyer', clientMsgId: asBuyer, senderId: buyer, ...claims(buyer) });
  if (isOk(strangerAck)) ctx.fail(`${strangerP.name} (not a party) sent message:send into booking ${booking.id} claiming userId ${buyer}, and it answered ${describeAck(strangerAck)}`);

  // 3. Read receipts: the sender may not mark its own message read by claiming to be the reader.
  const own = ctx.id('msg');
  const first = await buyerP.ack<{ ok: boolean; message?: MessageNewPayload }>('message:send', { bookingId: booking.id, body: 'my own message', clientMsgId: own });
  if (!isOk(first) || !first.message?.id) throw new Error(`setup: ${buyerP.name} could not send in its booking ${booking.id}: ${describeAck(first)}`);
  if (ctx.claims('reads')) {
    // Control first: a server that lets a sender mark its own message at all fails
    // reads.only-recipient-marks, and a claim accepted there says nothing about the claim.
    const plain = await buyerP.ack('read:mark', { bookingId: booking.id, messageId: first.message.id });
    const read = isOk(plain) ? undefined : await buyerP.ack('read:mark', { bookingId: booking.id, messageId: first.message.id, ...claims(seller) });
    if (isOk(read)) ctx.fail(`${buyerP.name} marked its own message ${first.message.id} read by sending read:mark with userId ${seller} (only the other party may), and it answered ${describeAck(read)}`);
  }

  // The stranger's message was sent before the buyer's own, which the buyer's answer proves was taken.
  const reachedParties = [...buyerP.all<MessageNewPayload>('message:new', (m) => m?.clientMsgId === asBuyer), ...sellerP.all<MessageNewPayload>('message:new', (m) => m?.clientMsgId === asBuyer)];
  for (const m of reachedParties) ctx.fail(`the stranger's message claiming to be ${buyer} reached a party of booking ${booking.id}: message:new ${describeValue(m)}`);
}

/** An answer with the probed id taken out, so that two answers about different ids compare. */
const shapeOf = (ack: any, id: string) => JSON.stringify({ ok: ack?.ok, code: ack?.error?.code, message: typeof ack?.error?.message === 'string' ? ack.error.message.split(id).join('<id>') : undefined });

async function userEnumeration(ctx: CheckContext): Promise<void> {
  const known = ctx.id('knownbuyer');
  const unknown = ctx.id('nobody');
  const watcher = ctx.id('watcher');
  // The known buyer has connected (the server knows it); the unknown id was never used.
  const [knownP, watcherP] = await Promise.all([connected(ctx, known, 'buyer'), connected(ctx, watcher, 'buyer')]);
  knownP.close();
  const [ofKnown, ofUnknown] = await Promise.all([watcherP.ack('presence:watch', known), watcherP.ack('presence:watch', unknown)]);
  if (isOk(ofKnown)) return void ctx.fail(`${watcherP.name}, a buyer, watched the presence of buyer ${known}: presence:watch answered ${describeAck(ofKnown)} (only sellers' presence is anyone's to watch)`);
  if (shapeOf(ofKnown, known) !== shapeOf(ofUnknown, unknown)) {
    ctx.fail(`presence:watch tells users that exist from ids that do not: for buyer ${known} (exists) it answered ${describeAck(ofKnown)}, for ${unknown} (never seen) ${describeAck(ofUnknown)}; anyone can probe which user ids exist`);
  }
}

export const injectionChecks: CheckDefinition[] = [
  {
    id: 'security.injection.crafted-room-ids',
    title: 'joins with crafted variants of another booking\'s id (case, whitespace, room-name prefixes, paths, encodings) or of users\' ids let no stranger hear it, by receipt',
    guarantee: 'contract §4: a room is joined by its own id after the server checked who may; §6.7 Authorization',
    severity: 'critical',
    fixHint: 'never join a room named by the client: validate the id strictly (^[A-Za-z0-9_-]{1,64}$), look up the record with that exact id, authorize, then join the room name the server builds from the record',
    run: craftedRoomIds,
  },
  {
    id: 'security.injection.claimed-identity',
    requires: ['contractWire'],
    title: 'user-id fields in a payload (userId, from, author, user.id, role) never change who sends or reads',
    guarantee: 'contract §6.7 Authorization: identity comes from the credentials, never from a payload',
    severity: 'critical',
    fixHint: 'take the acting user from socket.data (set by the handshake) only; ignore or refuse every user field in a payload',
    run: claimedIdentity,
  },
  {
    id: 'security.injection.user-enumeration',
    requires: ['contractWire', 'presence'],
    title: 'presence:watch answers alike for a user who exists but may not be watched and for one who does not exist',
    guarantee: 'contract §4: presence of a non-seller is refused with forbidden, whoever it is',
    severity: 'low',
    fixHint: 'refuse with the same code and message whether or not the user exists (forbidden), so ids cannot be probed',
    run: userEnumeration,
  },
];
