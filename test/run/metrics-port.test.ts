import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition, type Sample } from '../helpers/prometheus.ts';
import { spawnCli } from './cli-helpers.ts';

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text()).samples;
}

const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0);

describe('bazaar run --metrics-port (the real CLI)', () => {
  it('serves live counters, ack histograms and gauges in the Prometheus format while the run lasts, and stops with it', async () => {
    const run = spawnCli(['run', 'booking-chat', '--scale', '0.1', '--duration', '6s', '--metrics-port', '0', '--no-progress',
      '--report', mkdtempSync(join(tmpdir(), 'bazaar-metrics-')), '--allow-saturated'], 90_000);
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no metrics URL on stderr within 20 s: ${stderr}`)), 20_000);
      run.child.stderr!.on('data', (chunk) => {
        stderr += chunk;
        const match = /metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    // Until the first sends are acknowledged (seeding comes first).
    let first: Sample[] = [];
    for (const deadline = Date.now() + 20_000; sum(first, 'bazaar_ack_seconds_count', { event: 'message:send' }) === 0; ) {
      if (Date.now() > deadline) throw new Error('no message:send ack in the metrics within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 300));
      first = await scrape(url);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = await scrape(url);

    // Events/s: counts grow between scrapes.
    expect(sum(second, 'bazaar_ack_seconds_count', { event: 'message:send' })).toBeGreaterThan(sum(first, 'bazaar_ack_seconds_count', { event: 'message:send' }));
    expect(sum(second, 'bazaar_iterations_total')).toBeGreaterThan(0);
    // Ack latency: cumulative buckets ending at the count, and run quantiles in order.
    const buckets = second.filter((s) => s.name === 'bazaar_ack_seconds_bucket' && s.labels.event === 'message:send');
    expect(buckets.map((b) => b.value)).toEqual([...buckets.map((b) => b.value)].sort((a, b) => a - b));
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: sum(second, 'bazaar_ack_seconds_count', { event: 'message:send' }) });
    const quantile = (q: string) => sum(second, 'bazaar_ack_run_seconds', { event: 'message:send', quantile: q });
    expect(quantile('0.5')).toBeGreaterThan(0);
    expect(quantile('0.99')).toBeGreaterThanOrEqual(quantile('0.5'));
    // Connections: made (connect latency count) and open now; violations counted when any.
    expect(sum(second, 'bazaar_connect_seconds_count')).toBeGreaterThan(0);
    expect(sum(second, 'bazaar_connected_users')).toBeGreaterThan(0);
    expect(second.some((s) => s.name === 'bazaar_generator_saturated')).toBe(true);

    const { code } = await run.exited;
    expect(code).toBe(0);
    await expect(fetch(url, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 90_000);
});
