/* Records the runs test/compare/compare-recorded.test.ts compares, with real short runs of
 * booking-chat against one embedded reference server:
 *   base.json  straight to the server
 *   same.json  straight to the server again: the known no-change pair with base.json
 *   slow.json  through a TCP proxy that holds every chunk 25 ms each way: the known regression
 *              (every round trip ~50 ms slower, as if the server had moved far away)
 * Re-record: node test/compare/record-fixtures.ts (about 20 s). */
import { writeFileSync } from 'node:fs';
import { startEmbeddedServer, startRun } from '../../src/index.ts';
import { startDelayProxy } from '../helpers/delay-proxy.ts';

const DELAY_MS = 25;
const server = await startEmbeddedServer();
const proxy = await startDelayProxy(server.url, DELAY_MS);
try {
  const run = (target: string) =>
    startRun({ scenario: 'booking-chat', scale: 0.2, durationMs: 4_000, target, jwtSecret: server.jwtSecret, reportDir: false });
  for (const [name, target] of [['base', server.url], ['same', server.url], ['slow', proxy.url]] as const) {
    const result = await run(target);
    // Where the server listened is noise in a fixture: every run of it gets another port.
    const recorded = { ...result, target: name === 'slow' ? 'http://127.0.0.1:4001' : 'http://127.0.0.1:4000', reportDir: undefined };
    writeFileSync(new URL(`fixtures/${name}.json`, import.meta.url), `${JSON.stringify(recorded, null, 2)}\n`);
    const ack = result.metrics.latencies.find((s) => s.key === 'ack{event:message:send}')?.summary;
    console.log(`${name}: ${result.status}, saturated ${result.generator.saturated}, ack p95 ${((ack?.p95Us ?? 0) / 1000).toFixed(2)} ms over ${ack?.count} sends`);
  }
} finally {
  await proxy.close();
  await server.close();
}
