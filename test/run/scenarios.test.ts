import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../reference-server/index.ts';
import { startRun } from '../../src/engine/run.ts';

const shipped = readdirSync(new URL('../../scenarios/', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''));

/** Conflicts are the point of a checkout rush; every other error is a failure. */
const EXPECTED_ERROR_CODES = new Set(['conflict']);
/** Counters that say something was lost or failed: none may fire against the reference server. */
const FAILURE_COUNTERS = ['errors', 'ack_timeouts', 'expect_timeouts', 'connect_errors', 'connect_timeouts', 'reconnect_failures', 'delivery_timeouts'];

describe('every shipped scenario runs against the embedded server', () => {
  it('ships the scenarios the docs promise', () => {
    expect(shipped).toEqual(
      expect.arrayContaining(['smoke', 'booking-chat', 'listing-hot', 'checkout-rush', 'presence-churn', 'typing-storm', 'read-receipts', 'marketplace-day']),
    );
  });

  it.each(shipped)('%s runs for a few seconds without errors', async (name) => {
    const result = await startRun({
      scenario: name,
      durationMs: 3_000,
      scale: 0.1,
      reportDir: mkdtempSync(join(tmpdir(), `bazaar-${name}-`)),
    });
    const unexpected = result.metrics.counters.filter(
      (c) => FAILURE_COUNTERS.includes(c.name) && !EXPECTED_ERROR_CODES.has(c.tags.code ?? ''),
    );
    expect(unexpected, JSON.stringify(unexpected)).toEqual([]);
    expect(result.metrics.counters.filter((c) => c.name === 'iterations').reduce((sum, c) => sum + c.value, 0)).toBeGreaterThan(0);
    expect(result.partial).toBe(false);
  }, 60_000);
});

describe('transports', () => {
  it.each(['polling', 'mixed'] as const)('smoke passes over %s', async (transport) => {
    const result = await startRun({ scenario: 'smoke', transport, reportDir: mkdtempSync(join(tmpdir(), `bazaar-${transport}-`)) });
    expect(result.status).toBe('passed');
    expect(result.metrics.counters.filter((c) => c.name === 'errors')).toEqual([]);
  }, 60_000);
});

describe('against a cluster', () => {
  it('booking-chat runs against 3 reference nodes on Redis without errors, senders and receivers spread over nodes', async () => {
    const result = await startRun({
      scenario: 'booking-chat',
      nodes: 3,
      durationMs: 3_000,
      scale: 0.1,
      reportDir: mkdtempSync(join(tmpdir(), 'bazaar-cluster-')),
    });
    expect(result.metrics.counters.filter((c) => FAILURE_COUNTERS.includes(c.name))).toEqual([]);
    expect(result.metrics.latencies.some((l) => l.name === 'delivery' && l.summary.count > 0)).toBe(true);
  }, 90_000);
});

describe('against a server that answers only the acks the contract requires', () => {
  // docs/contract.md §5: the leaves' acks are optional; a client must not wait for them, and
  // their absence is no timeout (issue 12 item 5, from the load side).
  it('smoke leaves rooms without waiting and counts no timeout or error', async () => {
    const server = await startReferenceServer({ port: 0, metricsPort: false, minimalAcks: true });
    try {
      const result = await startRun({
        scenario: 'smoke',
        target: server.url,
        jwtSecret: server.jwtSecret,
        reportDir: mkdtempSync(join(tmpdir(), 'bazaar-minimal-acks-')),
      });
      const unexpected = result.metrics.counters.filter((c) => FAILURE_COUNTERS.includes(c.name));
      expect(unexpected, JSON.stringify(unexpected)).toEqual([]);
      expect(result.status).toBe('passed');
      // The leaves were sent, unanswered, and left out of the ack figures rather than timed out.
      expect(result.metrics.latencies.filter((l) => l.name === 'ack' && /leave|unwatch/.test(l.tags.event ?? ''))).toEqual([]);
    } finally {
      await server.close();
    }
  }, 60_000);
});
