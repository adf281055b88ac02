import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BazaarError } from '../errors.ts';

/** The gauges a run exports beside its counters and histograms (`bazaar_<name>`). */
export const RUN_GAUGES = {
  vus: 'virtual users running an iteration now',
  connected_users: 'virtual users with an open connection now',
  elapsed_seconds: 'seconds since the schedule started',
  planned_seconds: 'how long the schedule runs',
  generator_loop_delay_p99_seconds: "the load generator's worst one-second event-loop delay p99 so far",
  generator_cpu_percent: "the load generator's CPU use",
  generator_saturated: '1 when the load generator is saturated: its latencies include its own delay',
} as const;

export function runGauges(values: Record<keyof typeof RUN_GAUGES, number>): { name: string; help: string; value: number }[] {
  return Object.entries(RUN_GAUGES).map(([name, help]) => ({ name, help, value: values[name as keyof typeof RUN_GAUGES] }));
}

export interface MetricsExporter {
  url: string;
  close(): Promise<void>;
}

/**
 * GET /metrics answers `render()` in the Prometheus text format while a run lasts. Loopback by
 * default: a load generator's metrics are nobody else's business unless asked (`host`).
 */
export async function startMetricsExporter(options: { port: number; host?: string; render(): string }): Promise<MetricsExporter> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('bazaar serves GET /metrics\n');
      return;
    }
    try {
      const body = options.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new BazaarError('BAZAAR_METRICS_PORT', `cannot serve metrics on ${host}:${options.port}: ${error.code ?? error.message}`,
        'pick another --metrics-port (0: any free port), or stop whatever holds it')));
    server.listen({ port: options.port, host }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
