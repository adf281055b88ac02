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

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface HttpCall {
  method: HttpMethod;
  path: string;
  /** A route label with ids replaced, e.g. 'PATCH /api/listings/:id': bounded metric tags. */
  route: string;
  body?: unknown;
  /** Extra request headers (over the defaults: the user's bearer token, JSON content type). */
  headers?: Record<string, string>;
  /**
   * Where a refusal's `errors{code}` comes from: the contract's `{error:{code}}` body (default),
   * or the status alone (`http_404`), for a server whose bodies say anything: their codes would
   * be unbounded tag values.
   */
  errorCodeFrom?: 'body' | 'status';
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
  // Lower-cased, so that a script's own `Authorization` replaces the default instead of joining it.
  for (const [name, value] of Object.entries(call.headers ?? {})) headers[name.toLowerCase()] = value;
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
      const code = call.errorCodeFrom !== 'status' && typeof body?.error?.code === 'string' ? body.error.code : `http_${res.status}`;
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
