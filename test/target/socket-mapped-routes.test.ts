import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/run-checks.ts';
import { defineTarget } from '../../src/index.ts';
import chat from '../fixtures/dialects/chat.target.ts';
import { startChatServer, type ChatServer } from '../fixtures/dialects/chat-server.ts';

/*
 * A check calls the contract's HTTP API (GET /api/bookings/:id/messages); a profile may map that
 * operation to a socket event instead. The check context then makes it on a connection of the
 * user's own, so the check reads the app's answer, not a `not_connected` refusal.
 */
const profile = defineTarget({
  ...chat,
  operations: {
    ...chat.operations,
    'booking:history': {
      event: 'chat:history',
      args: (input) => [{ conversationId: input.bookingId }],
      outcome: {
        ack: (_input, answer) =>
          Array.isArray(answer?.items)
            ? { ok: true, messages: answer.items.map((m: any) => ({ id: m.id, bookingId: m.conversationId, senderId: m.from, body: m.text, clientMsgId: m.clientId, sentAt: m.at, readAt: m.seenAt })) }
            : { ok: false, error: { code: 'not_found', message: String(answer?.error) } },
      },
    },
  },
});

describe('a contract HTTP route a profile maps to a socket event', () => {
  let server: ChatServer;
  let paged: ChatServer;
  beforeAll(async () => {
    [server, paged] = await Promise.all([startChatServer({ buggy: false }), startChatServer({ buggy: false, historyPage: 50 })]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), paged?.close()]);
  });

  it('delivery.in-history and the reads checks read history over the socket and pass on the fixture', async () => {
    const report = await runChecks({ target: server.url, profile, only: 'delivery.in-history,reads.*' });
    expect(Object.fromEntries(report.checks.map((c) => [c.id, c.status]))).toEqual({
      'delivery.in-history': 'passed',
      'reads.receipt-reaches-sender': 'passed',
      'reads.repeat-is-noop': 'passed',
      'reads.offline-sender-sees-history': 'passed',
      'reads.only-recipient-marks': 'passed',
    });
  });

  it('delivery.in-history fails on a history that keeps only the newest page, read over the socket', async () => {
    const report = await runChecks({ target: paged.url, profile, only: 'delivery.in-history' });
    const history = report.checks.find((c) => c.id === 'delivery.in-history')!;
    expect(history.status).toBe('failed');
    expect(history.evidence.join('\n')).toMatch(/lacks 20 of 70 acked messages/);
  });
});
