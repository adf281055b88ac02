import { describe, expect, it } from 'vitest';
import { createOrderChecker, judgeHistoryOrder, judgeSeqAssignment } from './order-checker.ts';

describe('createOrderChecker', () => {
  it('passes strictly increasing seqs per socket and booking', () => {
    const order = createOrderChecker();
    for (const seq of [1, 2, 3]) order.observe({ socket: 'u1@c1', booking: 'b9', seq });
    for (const seq of [1, 3]) order.observe({ socket: 'u2@c2', booking: 'b9', seq }); // a gap is delivery's business
    for (const seq of [1]) order.observe({ socket: 'u1@c1', booking: 'b8', seq });
    expect(order.verdict()).toEqual({ passed: true, evidence: [] });
  });

  it.each([
    { seqs: [43, 41], line: 'u17@c2 got seq 41 after 43 in booking b9' },
    { seqs: [1, 2, 2], line: 'u17@c2 got seq 2 twice in booking b9' },
    { seqs: [1, 3, 2, 1], line: 'u17@c2 got seq 1 twice in booking b9' },
    { seqs: [0], line: 'u17@c2 got seq 0 in booking b9 (not a positive integer)' },
  ])('says why $seqs fails', ({ seqs, line }) => {
    const order = createOrderChecker();
    for (const seq of seqs) order.observe({ socket: 'u17@c2', booking: 'b9', seq });
    const verdict = order.verdict();
    expect(verdict.passed).toBe(false);
    expect(verdict.evidence).toContain(line);
  });

  it('keeps a few lines per socket and counts the rest', () => {
    const order = createOrderChecker({ maxLinesPerSocket: 2 });
    for (const seq of [5, 4, 3, 2, 1]) order.observe({ socket: 'u1@c1', booking: 'b1', seq });
    order.observe({ socket: 'u2@c2', booking: 'b1', seq: 2 });
    order.observe({ socket: 'u2@c2', booking: 'b1', seq: 1 });
    expect(order.verdict().evidence).toEqual([
      'u1@c1 got seq 4 after 5 in booking b1',
      'u1@c1 got seq 3 after 4 in booking b1',
      'u1@c1 got 2 more seqs out of order or twice in booking b1',
      'u2@c2 got seq 1 after 2 in booking b1',
    ]);
  });

  it('reports each descent once', () => {
    const order = createOrderChecker();
    for (const seq of [1, 3, 2, 4, 5]) order.observe({ socket: 'u1@c1', booking: 'b1', seq });
    expect(order.verdict().evidence).toEqual(['u1@c1 got seq 2 after 3 in booking b1']);
  });
});

describe('createOrderChecker online (as bazaar run uses it)', () => {
  it('hands each violation over as data and keeps no lines', () => {
    const seen: unknown[] = [];
    const order = createOrderChecker({ onViolation: (v) => seen.push(v) });
    for (const seq of [1, 3, 2, 3]) order.observe({ socket: 'u1~1', booking: 'b1', seq });
    expect(seen).toEqual([
      { socket: 'u1~1', booking: 'b1', expected: 'seq > 3', observed: 'seq 2 after 3', line: 'u1~1 got seq 2 after 3 in booking b1' },
      { socket: 'u1~1', booking: 'b1', expected: 'seq > 2 (each seq once)', observed: 'seq 3 again', line: 'u1~1 got seq 3 twice in booking b1' },
    ]);
    expect(order.verdict()).toEqual({ passed: true, evidence: [] });
  });

  it('takes a gap (a socket that was away) as no violation, and still catches a repeat after it', () => {
    const seen: unknown[] = [];
    const order = createOrderChecker({ onViolation: (v) => seen.push(v) });
    for (const seq of [1, 2, 9, 10]) order.observe({ socket: 'u1~1', booking: 'b1', seq });
    expect(seen).toEqual([]);
    order.observe({ socket: 'u1~1', booking: 'b1', seq: 2 });
    expect(seen).toHaveLength(1);
  });

  it('remembers a bounded number of seqs: a repeat of a forgotten one is still a descent', () => {
    const lines: string[] = [];
    const order = createOrderChecker({ rememberSeqs: 2, onViolation: (v) => lines.push(v.line) });
    for (const seq of [1, 2, 3, 4, 1, 4]) order.observe({ socket: 's', booking: 'b', seq });
    expect(lines).toEqual(['s got seq 1 after 4 in booking b', 's got seq 4 twice in booking b']);
  });

  it('forgets a socket in one booking, or everywhere, so its state follows what is active', () => {
    const order = createOrderChecker({ onViolation: () => {} });
    order.observe({ socket: 'a', booking: 'b1', seq: 1 });
    order.observe({ socket: 'a', booking: 'b2', seq: 1 });
    order.observe({ socket: 'c', booking: 'b1', seq: 1 });
    expect(order.size()).toBe(3);
    order.forget('a', 'b1');
    expect(order.size()).toBe(2);
    order.forget('a');
    expect(order.size()).toBe(1);
  });
});

describe('judgeSeqAssignment', () => {
  it.each([
    { seqs: [1, 2, 3], evidence: [] },
    { seqs: [3, 1, 2], evidence: [] },
    { seqs: [], evidence: [] },
    { seqs: [1, 2, 2], evidence: ['acks in booking b1 got seq 2 2 times', 'acks in booking b1 skipped seq 3: seq must start at 1 with no gaps'] },
    { seqs: [2, 3, 4], evidence: ['acks in booking b1 got seq 4, outside 1..3', 'acks in booking b1 skipped seq 1: seq must start at 1 with no gaps'] },
  ])('$seqs', ({ seqs, evidence }) => {
    expect(judgeSeqAssignment('b1', seqs, 'acks')).toEqual({ passed: evidence.length === 0, evidence });
  });
});

describe('judgeHistoryOrder', () => {
  it('passes increasing seqs, gaps included, and names a descent', () => {
    expect(judgeHistoryOrder('b1', [1, 2, 5], 'buyer').passed).toBe(true);
    expect(judgeHistoryOrder('b1', [1, 3, 2], 'buyer').evidence).toEqual(['history of booking b1 (read as buyer) lists seq 2 after 3']);
  });
});
