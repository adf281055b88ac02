import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../metrics/index.ts';
import { createRoomCensus } from '../../client/room-census.ts';
import { createOnlineChecks } from '../online-checks.ts';
import { createViolationLog } from '../violations.ts';

// The online kinds beyond order, versions and loss-by-tracker: presence, typing, reads, seq
// gaps, and state dropped when a room goes quiet. Pure: the clock is a variable.

const TIMING = { ttlMs: 1_000, heartbeatMs: 250, sweepMs: 200 };

function setup() {
  const metrics = createMetricsRegistry();
  let clockUs = 1_000_000_000;
  const census = createRoomCensus();
  const log = createViolationLog({ metrics, startUs: () => 1_000_000_000 });
  const checks = createOnlineChecks({ log, nowUs: () => clockUs, deliveryTimeoutMs: 500, membership: () => census, quietMs: 5_000 });
  const user = (userId: string, connectionId = `sid-${userId}`) => ({ userId, connectionId });
  const advance = (ms: number) => {
    clockUs += ms * 1000;
    checks.tick();
  };
  const now = () => clockUs;
  const kinds = () => log.summary().evidence.map((v) => [v.kind, v.user, v.room, v.observed]);
  return { log, checks, census, user, advance, now, kinds };
}

describe('online presence', () => {
  it('calls an offline for a connected, heartbeating user a flicker, and an online after an online a repeat', () => {
    const { checks, user, advance, kinds } = setup();
    const [seller, watcher] = [user('s1'), user('w1')];
    checks.received(watcher, 'session', { userId: 'w1', presence: TIMING });
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    checks.received(watcher, 'presence:changed', { userId: 's1', online: true, at: 0 });
    for (let i = 0; i < 4; i++) {
      advance(250);
      checks.touched(seller);
    }
    advance(100);
    checks.received(watcher, 'presence:changed', { userId: 's1', online: false, at: 0 });
    advance(10);
    checks.received(watcher, 'presence:changed', { userId: 's1', online: true, at: 0 });
    checks.received(watcher, 'presence:changed', { userId: 's1', online: true, at: 0 });
    expect(kinds()).toEqual([
      ['presence', 'w1', 'presence:s1', 'presence:changed {online:false} for s1 (flicker)'],
      ['presence', 'w1', 'presence:s1', expect.stringMatching(/^online again, 0 ms after the last online/)],
    ]);
  });

  it('calls a quick reconnect shown as offline a flicker, and passes an offline after the TTL lapsed', () => {
    const { checks, user, advance, kinds } = setup();
    const [seller, watcher] = [user('s1'), user('w1')];
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    advance(200);
    checks.touched(seller);
    checks.dropped(seller);
    advance(50);
    checks.received(watcher, 'presence:changed', { userId: 's1', online: false, at: 0 });
    expect(kinds()).toHaveLength(1);
    // A lapse: away past the TTL since the last heartbeat, the offline is owed.
    advance(1_000);
    checks.received(watcher, 'presence:changed', { userId: 's1', online: true, at: 0 });
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    advance(100);
    checks.received(watcher, 'presence:changed', { userId: 's1', online: false, at: 0 });
    expect(kinds()).toHaveLength(1);
  });

  it('passes an online after an online when the presence may have lapsed between (a stalled heartbeat), and a user it does not drive', () => {
    const { checks, user, advance, kinds } = setup();
    const [seller, watcher] = [user('s1'), user('w1')];
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    checks.received(watcher, 'presence:changed', { userId: 's1', online: true, at: 0 });
    advance(1_200); // no heartbeat for more than the TTL: lapsed, maybe not swept yet
    checks.touched(seller);
    checks.received(watcher, 'presence:changed', { userId: 's1', online: true, at: 0 });
    checks.received(watcher, 'presence:changed', { userId: 'elsewhere', online: true, at: 0 });
    checks.received(watcher, 'presence:changed', { userId: 'elsewhere', online: true, at: 0 });
    expect(kinds()).toEqual([]);
  });

  it('calls a second offline without an online between announced twice', () => {
    const { checks, user, advance, kinds } = setup();
    const [seller, watcher] = [user('s1'), user('w1')];
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    checks.closed(seller);
    advance(1_100);
    checks.received(watcher, 'presence:changed', { userId: 's1', online: false, at: 0 });
    advance(300);
    checks.received(watcher, 'presence:changed', { userId: 's1', online: false, at: 0 });
    expect(kinds()).toEqual([['presence', 'w1', 'presence:s1', 'offline again, 300 ms after the last offline, no online between']]);
  });

  it('calls a watcher never told a user left a ghost at TTL + sweep + margin, and passes one that was told', () => {
    const { checks, census, user, advance, now, kinds } = setup();
    const [seller, told, ghosted, late] = [user('s1'), user('w1'), user('w2'), user('w3')];
    for (const w of [told, ghosted]) census.join('presence:s1', w, now());
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    advance(100);
    checks.touched(seller); // the last heartbeat: due TTL 1000 + sweep 200 + margin 2000 after it
    advance(300);
    checks.closed(seller);
    census.join('presence:s1', late, now() + 1);
    advance(1_150);
    checks.received(told, 'presence:changed', { userId: 's1', online: false, at: 0 });
    advance(1_600);
    expect(kinds()).toEqual([]);
    advance(200);
    expect(kinds()).toEqual([['presence', 'w2', 'presence:s1', expect.stringMatching(/still shown online \(ghost\)$/)]]);
    expect(checks.sizes().presenceUsers).toBe(0);
  });

  it('does not count on a heartbeat sent just before a drop (the server may drop it with the connection)', () => {
    const { checks, user, advance, kinds } = setup();
    const [seller, watcher] = [user('s1'), user('w1')];
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    advance(250);
    checks.touched(seller);
    advance(250);
    checks.touched(seller);
    advance(50);
    checks.closed(seller);
    advance(750); // 1000 ms after the heartbeat it may count on, 800 after the last one sent
    checks.received(watcher, 'presence:changed', { userId: 's1', online: false, at: 0 });
    expect(kinds()).toEqual([]);
  });

  it('does not judge a user that came back before its offline was due', () => {
    const { checks, census, user, advance, now, kinds } = setup();
    const [seller, watcher] = [user('s1'), user('w1')];
    census.join('presence:s1', watcher, now());
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    checks.dropped(seller);
    advance(300);
    checks.received(seller, 'session', { userId: 's1', presence: TIMING });
    advance(5_000);
    expect(kinds()).toEqual([]);
  });
});

describe('online typing', () => {
  it('calls a second typing:start from one sender within 3 s at one receiver an extra, per sender and booking', () => {
    const { checks, user, advance, kinds } = setup();
    const r = user('s1');
    checks.received(r, 'typing:start', { bookingId: 'b1', userId: 'u1' });
    checks.received(r, 'typing:start', { bookingId: 'b1', userId: 'u2' });
    checks.received(r, 'typing:start', { bookingId: 'b2', userId: 'u1' });
    advance(120);
    checks.received(r, 'typing:start', { bookingId: 'b1', userId: 'u1' });
    advance(3_000);
    checks.received(r, 'typing:start', { bookingId: 'b1', userId: 'u1' });
    expect(kinds()).toEqual([['typing', 's1', 'booking:b1', 'typing:start 120 ms after the last one let through']]);
  });

  it("calls a sender's own typing relayed back to it a typing violation, unless another of its connections is in the room", () => {
    const { checks, census, user, now, kinds } = setup();
    const [tab1, tab2] = [user('u1', 'sid-1'), user('u1', 'sid-2')];
    census.join('booking:b1', tab1, now());
    checks.received(tab1, 'typing:start', { bookingId: 'b1', userId: 'u1' });
    expect(kinds()).toEqual([['typing', 'u1', 'booking:b1', 'its own typing:start relayed back to it']]);
    census.join('booking:b1', tab2, now());
    checks.received(tab1, 'typing:stop', { bookingId: 'b1', userId: 'u1' });
    expect(kinds()).toHaveLength(1);
  });
});

describe('online reads and seq gaps', () => {
  it('records a read receipt the tracker lost as a reads violation', () => {
    const { checks, user, now, kinds } = setup();
    checks.lost({ event: 'read:updated', room: 'user:s1' }, user('s1'), now(), 'r|m7');
    expect(kinds()).toEqual([['reads', 's1', 'user:s1', 'not received within 500 ms, connected throughout']]);
  });

  it('records a history page requested after an acked read:mark that shows another readAt, and only that', () => {
    const { checks, user, advance, now, kinds } = setup();
    const seller = user('s1');
    const requestedBefore = now();
    advance(10);
    checks.marked(user('b1'), 'bk1', 'm1', 1_700_000_000_000);
    checks.marked(user('b1'), 'bk1', 'm1', 1_700_000_000_999); // a repeat: the first readAt stands
    checks.history(seller, 'bk1', requestedBefore, [{ id: 'm1', readAt: null }]);
    advance(10);
    checks.history(seller, 'bk1', now(), [{ id: 'm1', readAt: 1_700_000_000_000 }, { id: 'm2', readAt: null }]);
    checks.history(seller, 'bk1', now(), [{ id: 'm1', readAt: null }]);
    expect(kinds()).toEqual([['reads', 's1', 'booking:bk1', 'GET /api/bookings/bk1/messages shows readAt null']]);
  });

  it("records a read:mark acked to the message's own sender, not one acked to the recipient", () => {
    const { checks, user, kinds } = setup();
    const [seller, buyer] = [user('s1'), user('b1')];
    checks.sent(seller, { id: 'm1', senderId: 's1' }, 'bk1');
    checks.marked(buyer, 'bk1', 'm1', 1);
    checks.marked(seller, 'bk1', 'm1', 1);
    expect(kinds()).toEqual([['reads', 's1', 'booking:bk1', 'read:mark acked {ok:true}']]);
  });

  it('records a gap that does not fill within the deadline as a loss, and not a gap that fills (a reorder)', () => {
    const { checks, user, advance, kinds } = setup();
    const a = user('a');
    const msg = (seq: number) => ({ bookingId: 'b1', seq, clientMsgId: `c${seq}` });
    for (const seq of [1, 3, 5]) checks.received(a, 'message:new', msg(seq));
    advance(100);
    checks.received(a, 'message:new', msg(4));
    advance(600);
    expect(kinds().filter(([kind]) => kind === 'loss')).toEqual([]);
    advance(100);
    expect(kinds()).toEqual([
      ['order', 'a', 'booking:b1', 'seq 4 after 5 (clientMsgId c4)'],
      ['loss', 'a', 'booking:b1', expect.stringMatching(/^seq 2 not received within 800 ms of seq 3$/)],
    ]);
  });

  it('counts a seq the tracker already counted lost once, whichever comes first', () => {
    const { checks, user, advance, now, kinds } = setup();
    const a = user('a');
    const msg = (seq: number) => ({ bookingId: 'b1', seq, clientMsgId: `c${seq}` });
    checks.received(a, 'message:new', msg(1));
    checks.lost({ event: 'message:new', room: 'booking:b1' }, a, now(), 'm|c2', 2);
    checks.received(a, 'message:new', msg(3));
    checks.received(a, 'message:new', msg(5));
    checks.lost({ event: 'message:new', room: 'booking:b1' }, a, now(), 'm|c4', 4);
    advance(2_000);
    expect(kinds().map(([kind]) => kind)).toEqual(['loss', 'loss']);
  });

  it('starts afresh after a reconnect: what a receiver missed while away is no gap', () => {
    const { checks, user, advance, kinds } = setup();
    const a = user('a');
    checks.received(a, 'message:new', { bookingId: 'b1', seq: 1 });
    checks.received(a, 'session', { userId: 'a', presence: TIMING });
    checks.received(a, 'message:new', { bookingId: 'b1', seq: 4 });
    advance(2_000);
    expect(kinds()).toEqual([]);
  });
});

describe('state bounded by what is active', () => {
  it('drops a room quiet for the quiet time, for receivers still in it, and keeps a busy one', () => {
    const { checks, user, advance, kinds } = setup();
    const receivers = Array.from({ length: 50 }, (_, i) => user(`u${i}`));
    for (const [i, r] of receivers.entries()) {
      checks.received(r, 'message:new', { bookingId: `b${i}`, seq: 1 });
      checks.received(r, 'listing:priceChanged', { listingId: `l${i}`, version: 1 });
    }
    expect(checks.sizes()).toMatchObject({ streams: 100, gapStreams: 50, rooms: 100 });
    for (let t = 0; t < 6; t++) {
      advance(1_000);
      checks.received(receivers[0]!, 'message:new', { bookingId: 'b0', seq: 2 + t });
    }
    // Only b0 stayed busy: every other room went quiet and its state went with it.
    expect(checks.sizes()).toEqual({ streams: 1, gapStreams: 1, presenceUsers: 0, rooms: 1, readMarks: 0 });
    // A repeat in a room judged afresh is not seen as one (the price of the bound), a repeat in b0 is.
    checks.received(receivers[0]!, 'message:new', { bookingId: 'b0', seq: 7 });
    checks.received(receivers[1]!, 'message:new', { bookingId: 'b1', seq: 1 });
    expect(kinds()).toEqual([['order', 'u0', 'booking:b0', 'seq 7 again']]);
  });
});
