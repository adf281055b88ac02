import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BazaarError } from '../errors.ts';

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
