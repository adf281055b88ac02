import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createServerMetrics } from '../reference-server/metrics.ts';
import { createProgram } from '../src/cli/main.ts';
import { METRICS } from '../src/client/sink.ts';
import { parseGate } from '../src/compare/index.ts';
import { RUN_GAUGES, runGauges } from '../src/engine/metrics-exporter.ts';
import { createMetricsRegistry } from '../src/metrics/index.ts';
import { renderPrometheus } from '../src/metrics/prometheus.ts';
import { memoryIo } from './helpers/cli-io.ts';
import { parseExposition } from './helpers/prometheus.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** Every sample name `bazaar run --metrics-port` can serve: one series of every metric it records. */
function exportedNames(): Set<string> {
  const registry = createMetricsRegistry();
  for (const [name, { kind }] of Object.entries(METRICS)) {
    if (kind === 'trend') registry.latency(name).recordValueUs(1_000);
    else registry.counter(name).add();
  }
  const gauges = runGauges(Object.fromEntries(Object.keys(RUN_GAUGES).map((name) => [name, 0])) as never);
  return new Set(parseExposition(renderPrometheus({ ...registry.liveSeries(), gauges })).samples.map((s) => s.name));
}

describe('docs/ci.md and the Grafana dashboard match the code', () => {
  it('every metric the dashboard queries is one bazaar run or the reference server exports', async () => {
    const dashboard = JSON.parse(read('docs/grafana/bazaar-dashboard.json'));
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const server = createServerMetrics();
    const serverNames = new Set((await server.registry.getMetricsAsJSON()).flatMap((m) => [m.name, `${m.name}_bucket`, `${m.name}_count`, `${m.name}_sum`]));
    const bazaarNames = exportedNames();
    const queried = [...new Set(exprs.flatMap((e) => e.match(/\b(?:bazaar|socket_io)_\w+/g) ?? []))];
    expect(queried.filter((name) => !bazaarNames.has(name) && !serverNames.has(name))).toEqual([]);
    expect(queried).toEqual(expect.arrayContaining(['bazaar_ack_seconds_bucket', 'bazaar_disconnects_total', 'bazaar_violations_total', 'socket_io_connected']));
  });

  it('every bazaar flag docs/ci.md uses exists on its command', () => {
    const doc = read('docs/ci.md');
    const program = createProgram(memoryIo());
    const unknown: string[] = [];
    // A command line: `bazaar <command>` and what follows up to the end of the line (continued by '\').
    for (const match of doc.replace(/\\\n\s*/g, ' ').matchAll(/bazaar (run|check|compare|serve)\b([^\n`|]*)/g)) {
      const command = program.commands.find((c) => c.name() === match[1])!;
      const flags = new Set(command.options.flatMap((o) => [o.long, o.negate ? o.long : undefined]).filter(Boolean));
      for (const flag of match[2]!.match(/--[\w-]+/g) ?? []) if (!flags.has(flag)) unknown.push(`bazaar ${match[1]} ${flag}`);
    }
    expect(unknown).toEqual([]);
  });

  it('every gate docs/ci.md shows parses', () => {
    const doc = read('docs/ci.md').replace(/\\\n\s*/g, ' ');
    const gates = [...doc.matchAll(/--fail-if((?:\s+'[^']+')+)/g)].flatMap((m) => [...m[1]!.matchAll(/'([^']+)'/g)].map((g) => g[1]!));
    const inTables = [...doc.matchAll(/^\|[^|]+\| [^|]+\| (`[^|]+`(?:, `[^|]+`)*) \|$/gm)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((g) => g[1]!))
      .filter((text) => /[<>]/.test(text));
    expect(gates.length).toBeGreaterThan(5);
    for (const gate of [...gates, ...inTables]) expect(() => parseGate(gate), gate).not.toThrow();
  });
});
