import type { Role } from '../contract/index.ts';
import { nowUs, UNSCHEDULED, type IterationTiming } from './clock.ts';
import type { MetricsSink } from './sink.ts';

export type TokenProvider = (userId: string, role: Role) => string | Promise<string>;

export interface HttpAnswer<T = any> {
  status: number;
  /** Parsed JSON body, or undefined for an empty or non-JSON body. */
  body: T;
  ok: boolean;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  /** A route label with ids replaced, e.g. 'PATCH /api/listings/:id': bounded metric tags. */
  route: string;
  body?: unknown;
}

export interface HttpClientOptions {
  baseUrl: string;
  metrics: MetricsSink;
  timing?: IterationTiming;
  timeoutMs: number;
}

/** One HTTP call of the contract API as a user, measured as `http{route}`. Never throws. */
export async function callApi(
  options: HttpClientOptions,
  token: string | undefined,
  call: HttpCall,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const startUs = nowUs();
  const timing = options.timing ?? UNSCHEDULED;
  const fromUs = timing.intendedStartUs(startUs);
  const series = options.metrics.latency('http', { route: call.route });
  try {
    const res = await fetch(options.baseUrl + call.path, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await res.text();
    const endUs = nowUs();
    series.record(startUs, endUs, fromUs);
    timing.stepEnded(fromUs, startUs, endUs);
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const code = typeof body?.error?.code === 'string' ? body.error.code : `http_${res.status}`;
      options.metrics.counter('errors', { code, source: call.route }).add();
    }
    return { status: res.status, body, ok: res.ok };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    const timeoutUs = options.timeoutMs * 1000;
    if (timedOut) {
      series.recordValueUs(timeoutUs + startUs - fromUs, timeoutUs);
      timing.stepEnded(fromUs, startUs, startUs + timeoutUs);
    }
    options.metrics.counter('errors', { code: timedOut ? 'http_timeout' : 'http_network', source: call.route }).add();
    return { status: 0, body: undefined, ok: false };
  }
}
