import { startFaultProxy } from '../../src/lab/faults/fault-proxy.ts';

export interface DelayProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A TCP proxy that holds every chunk `delayMs` in each direction, in order: a distant target on
 * loopback. Below HTTP, so it delays HTTP calls, WebSocket upgrades and every frame alike. The
 * fault proxy (src/lab/faults/fault-proxy.ts) with a latency toxic for good.
 */
export async function startDelayProxy(target: string, delayMs: number): Promise<DelayProxy> {
  const { hostname, port } = new URL(target);
  const proxy = await startFaultProxy({ target: { host: hostname, port: Number(port) } });
  proxy.add({ type: 'latency', latencyMs: delayMs });
  return { url: `http://${proxy.host}:${proxy.port}`, close: () => proxy.close() };
}
