import { describe, expect, it } from 'vitest';
import { createDeliveryLedger, type LedgerMessage } from './delivery-ledger.ts';

const message = (seq: number, senderId = 'u1'): LedgerMessage => ({
  id: `m${seq}`,
  bookingId: 'b9',
  seq,
  senderId,
  body: `hello ${seq}`,
  clientMsgId: `c${seq}`,
});

function ledgerWith(ackedTo: Record<string, number[]>) {
  const ledger = createDeliveryLedger();
  for (const [socket, seqs] of Object.entries(ackedTo)) for (const seq of seqs) ledger.acked(socket, message(seq));
  return ledger;
}

describe('createDeliveryLedger', () => {
  it('passes when every member got every acked message and history has them all', () => {
    const ledger = ledgerWith({ 'u1@c1': [1, 2], 'u2@c2': [3] });
    for (const socket of ['u1@c1', 'u2@c2', 'u2@c3']) {
      ledger.member(socket);
      for (const seq of [3, 1, 2]) ledger.received(socket, message(seq));
      expect(ledger.complete(socket)).toBe(true);
    }
    ledger.history('u1', 'b9', [message(1), message(2), message(3)]);
    expect(ledger.verdict()).toEqual({ passed: true, evidence: [] });
  });

  it('says which socket missed what, and when it was its own sends', () => {
    const ledger = ledgerWith({ 'u1@c1': [1, 3], 'u2@c2': [2] });
    ledger.member('u1@c1');
    ledger.member('u2@c2');
    ledger.member('u2@c3');
    ledger.received('u1@c1', message(2));
    ledger.received('u2@c2', message(1));
    ledger.received('u2@c2', message(3));
    for (const seq of [1, 2]) ledger.received('u2@c3', message(seq));
    expect(ledger.complete('u1@c1')).toBe(false);
    expect(ledger.verdict().evidence).toEqual([
      'u1@c1 never received 2 of 3 acked messages in booking b9: seq 1, 3 (all of them its own sends)',
      'u2@c2 never received 1 of 3 acked messages in booking b9: seq 2 (all of them its own sends)',
      'u2@c3 never received 1 of 3 acked messages in booking b9: seq 3 (acked to u1@c1)',
    ]);
  });

  it('says when a socket or the history got a different message than was acked', () => {
    const ledger = ledgerWith({ 'u1@c1': [1] });
    ledger.member('u2@c2');
    ledger.received('u2@c2', { ...message(1), seq: 4 });
    ledger.history('u2', 'b9', [{ ...message(1), body: 'other' }]);
    expect(ledger.verdict().evidence).toEqual([
      'u2@c2 received m1 in booking b9 with seq 4 (acked 1); it was acked to u1@c1',
      'history of booking b9 (read as u2) has m1 with body "other" (acked "hello 1"); it was acked to u1@c1',
    ]);
  });

  it('says what history lacks', () => {
    const ledger = ledgerWith({ 'u1@c1': [1, 2, 3] });
    ledger.history('u1', 'b9', [message(1)]);
    expect(ledger.verdict().evidence).toEqual(['history of booking b9 (read as u1, 1 messages) lacks 2 of 3 acked messages: seq 2, 3']);
  });
});
