import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/run-checks.ts';
import type { CheckResult } from '../../src/checks/types.ts';

/** The groups these checks and defects cover. */
const GROUPS = 'order.*,delivery.*,idempotency.*,versions.*,race.*';
const notPassed = (checks: CheckResult[]) => checks.filter((c) => c.status !== 'passed');

describe('order, delivery, idempotency, versions and race checks on the clean reference server', () => {
  it.each([1, 2])('every check passes (run %i)', async () => {
    const report = await runChecks({ only: GROUPS });
    expect(report.checks.map((c) => c.id)).toEqual(expect.arrayContaining([
      'order.concurrent-senders',
      'delivery.every-member-socket',
      'delivery.in-history',
      'idempotency.sequential-retry',
      'idempotency.concurrent-retry',
      'idempotency.scoped-to-sender-and-booking',
      'versions.listing-events',
      'versions.booking-transitions',
      'race.single-winner',
    ]));
    expect(notPassed(report.checks).map((c) => `${c.id}: ${c.evidence.join(' | ')}`)).toEqual([]);
  }, 60_000);
});

interface Expectation {
  defect: string;
  /** Every check of these groups that must fail, with a pattern its evidence must match. */
  failing: Record<string, RegExp[]>;
  guarantee: RegExp;
}

const EXPECTATIONS: Expectation[] = [
  {
    defect: 'async-persist-reorder',
    failing: { 'order.concurrent-senders': [/^\S+@c\d+ got seq \d+ after \d+ in booking b_\S+$/] },
    guarantee: /§6\.1 Order/,
  },
  {
    defect: 'broadcast-excludes-sender',
    failing: { 'delivery.every-member-socket': [/^\S+@c1 never received 8 of 24 acked messages in booking b_\S+: seq [\d, ]+ \(all of them its own sends\)$/] },
    guarantee: /§6\.2 Delivery/,
  },
  {
    defect: 'history-newest-page-only',
    failing: { 'delivery.in-history': [/^history of booking b_\S+ \(read as \S+-buyer\d+, 50 messages\) lacks 20 of 70 acked messages: seq 1, 2, 3/] },
    guarantee: /§6\.2 Delivery/,
  },
  {
    defect: 'no-idempotency',
    failing: {
      'idempotency.sequential-retry': [
        /^\S+@c1 retried clientMsgId \S+ in booking b_\S+ and got m_\S+ seq 2; the first send was acked as m_\S+ seq 1$/,
        /^history of booking b_\S+ holds 4 messages with clientMsgId \S+ of \S+ \(seq 1, 2, 3, 4\); expected one$/,
      ],
      'idempotency.concurrent-retry': [/^8 concurrent sends of clientMsgId \S+ by \S+ \(on \S+@c1 and \S+@c2\) were acked as 8 different messages/],
    },
    guarantee: /repeated clientMsgId/,
  },
  {
    defect: 'dedup-ignores-sender',
    failing: { 'idempotency.scoped-to-sender-and-booking': [/\(the other party\), sent clientMsgId \S+ .* and got back m_\S+ seq 1 by \S+-buyer\d+ .* expected a new message of its own$/] },
    guarantee: /repeated clientMsgId/,
  },
  {
    defect: 'dedup-check-then-act',
    failing: { 'idempotency.concurrent-retry': [/were acked as [2-8] different messages/, /got [2-8] message:new for clientMsgId/] },
    guarantee: /repeated clientMsgId/,
  },
  {
    defect: 'unordered-price-emits',
    failing: { 'versions.listing-events': [/^\S+@c\d+ got listing:priceChanged version \d+ after listing:priceChanged version \d+ for listing l_\S+$/] },
    guarantee: /§6\.3 Versions/,
  },
  {
    defect: 'dispute-skips-version',
    failing: {
      'versions.booking-transitions': [/^\S+@c\d+ got booking:statusChanged \(paid→disputed\) version 3 again after booking:statusChanged \(accepted→paid\) version 3 for booking b_\S+$/],
    },
    guarantee: /§6\.3 Versions/,
  },
  {
    defect: 'booking-check-then-act',
    failing: {
      'race.single-winner': [
        /^first wave: 25 buyers POSTed \/api\/bookings \{listingId: l_\S+\} at once and ([2-9]|1\d|2[0-5]) got 201 \(.*\); expected exactly one$/,
        /^first wave: \S+@c\d+, watching listing l_\S+, got ([2-9]|1\d|2[0-5]) listing:availabilityChanged \{available:false\} \(versions .*\); expected exactly one$/,
      ],
    },
    guarantee: /exactly one booking can win/,
  },
];

describe('each defect fails exactly the checks meant for it, with specific evidence', () => {
  it.each(EXPECTATIONS.map((e) => [e.defect, e] as const))('%s', async (defect, expectation) => {
    // All five groups run: the defect must leave the other groups passing.
    const report = await runChecks({ only: GROUPS, defect });
    const failed = notPassed(report.checks);
    expect(failed.map((c) => c.id).sort()).toEqual(Object.keys(expectation.failing).sort());
    for (const check of failed) {
      expect(check.status).toBe('failed');
      expect(check.guarantee).toMatch(expectation.guarantee);
      expect(check.evidence.length).toBeGreaterThan(0);
      for (const pattern of expectation.failing[check.id]!) {
        expect(check.evidence, `${check.id} evidence should match ${pattern}`).toContainEqual(expect.stringMatching(pattern));
      }
    }
  }, 60_000);
});
