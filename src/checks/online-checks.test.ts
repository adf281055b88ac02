import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../metrics/index.ts';
import { createOnlineChecks } from './online-checks.ts';
import { createViolationLog, describeViolation } from './violations.ts';

function setup(evidencePerKind = 10) {
  const metrics = createMetricsRegistry();
  let clockUs = 1_000_000;
  const log = createViolationLog({ metrics, startUs: () => 1_000_000, evidencePerKind });
  const checks = createOnlineChecks({ log, nowUs: () => (clockUs += 1_000), deliveryTimeoutMs: 500 });
  const user = (userId: string, connectionId = `sid-${userId}`) => ({ userId, connectionId });
  return { metrics, log, checks, user };
}

const msg = (bookingId: string, seq: number) => ({ bookingId, seq, clientMsgId: `c${seq}`, id: `m${seq}` });

describe('createOnlineChecks', () => {
  it('passes in-order seqs and versions, gaps included, per receiver', () => {
    const { checks, log, user } = setup();
    const [a, b] = [user('a'), user('b')];
    for (const seq of [1, 2, 5]) checks.received(a, 'message:new', msg('b1', seq));
    for (const seq of [2, 3]) checks.received(b, 'message:new', msg('b1', seq));
    checks.received(a, 'listing:priceChanged', { listingId: 'l1', version: 2 });
    checks.received(a, 'listing:availabilityChanged', { listingId: 'l1', version: 3, available: false });
    checks.received(a, 'booking:statusChanged', { bookingId: 'b1', version: 2 });
    checks.received(a, 'typing:start', { bookingId: 'b1' });
    expect(log.summary()).toMatchObject({ checked: true, total: 0, counts: {}, evidence: [] });
  });

  it('records a descent and a repeat as order violations with who, which connection, room, expected, observed and when', () => {
    const { checks, log, metrics, user } = setup();
    const a = user('a', 'sid-1');
    for (const seq of [1, 3, 2, 3]) checks.received(a, 'message:new', msg('b1', seq));
    const summary = log.summary();
    expect(summary.counts).toEqual({ order: 2 });
    expect(metrics.queryCounter('violations', { kind: 'order' })).toBe(2);
    expect(summary.evidence[0]).toEqual({
      kind: 'order', user: 'a', connection: 'sid-1', room: 'booking:b1',
      expected: 'seq > 3', observed: 'seq 2 after 3 (clientMsgId c2)', atMs: expect.any(Number),
    });
    expect(summary.evidence[1]).toMatchObject({ observed: 'seq 3 again (clientMsgId c3)' });
    expect(describeViolation(summary.evidence[0]!)).toMatch(/^order: a \(socket sid-1\) in booking:b1 at \+\d+ ms: expected seq > 3, observed seq 2 after 3 \(clientMsgId c2\)$/);
  });

  it('records a version that repeats or goes back as a versions violation', () => {
    const { checks, log, user } = setup();
    const a = user('a');
    checks.received(a, 'listing:priceChanged', { listingId: 'l1', version: 4 });
    checks.received(a, 'listing:availabilityChanged', { listingId: 'l1', version: 3, available: true });
    checks.received(a, 'booking:statusChanged', { bookingId: 'b1', version: 2 });
    checks.received(a, 'booking:statusChanged', { bookingId: 'b1', version: 2 });
    expect(log.summary().evidence.map((v) => [v.kind, v.room, v.observed])).toEqual([
      ['versions', 'listing:l1', 'listing:availabilityChanged version 3'],
      ['versions', 'booking:b1', 'booking:statusChanged version 2'],
    ]);
  });

  it('records a loss from the delivery tracker, naming the message', () => {
    const { checks, log, user } = setup();
    checks.lost({ event: 'message:new', room: 'booking:b1' }, user('a'), 1_000_000, 'm|c7');
    expect(log.summary().evidence).toEqual([expect.objectContaining({
      kind: 'loss', user: 'a', room: 'booking:b1', observed: 'not received within 500 ms, in the room throughout',
    })]);
    expect(log.summary().evidence[0]?.expected).toMatch(/^message:new \(clientMsgId c7, acked; sent \d+ ms before this check\)$/);
  });

  it('keeps the first evidence records of each kind and counts them all', () => {
    const { checks, log, user } = setup(2);
    const a = user('a');
    for (const seq of [9, 8, 7, 6, 5]) checks.received(a, 'message:new', msg('b1', seq));
    expect(log.summary()).toMatchObject({ total: 4, counts: { order: 4 } });
    expect(log.summary().evidence).toHaveLength(2);
  });

  it('holds state per receiver and room only while it is in the room: a leave or a close drops it', () => {
    const { checks, user } = setup();
    const [a, b] = [user('a'), user('b')];
    checks.received(a, 'message:new', msg('b1', 1));
    checks.received(a, 'booking:statusChanged', { bookingId: 'b1', version: 1 });
    checks.received(a, 'listing:priceChanged', { listingId: 'l1', version: 1 });
    checks.received(b, 'message:new', msg('b1', 1));
    expect(checks.size()).toBe(4);
    checks.left(a, 'booking:b1');
    expect(checks.size()).toBe(2);
    checks.left(a, 'listing:l1');
    checks.closed(b);
    expect(checks.size()).toBe(0);
  });

  it('judges a receiver that came back after it left from scratch (what it missed is no reorder)', () => {
    const { checks, log, user } = setup();
    const a = user('a');
    checks.received(a, 'message:new', msg('b1', 5));
    checks.left(a, 'booking:b1');
    checks.received(a, 'message:new', msg('b1', 3));
    expect(log.summary().total).toBe(0);
  });
});
