import type { Credentials, TargetApi, TargetRequest, TargetResponse, TargetUser } from './types.ts';

/** How a user's credentials are put on an HTTP request (identity.ts makes one per profile). */
export type CredentialsForHttp = (user: TargetUser) => Promise<{ headers: Record<string, string>; query: Record<string, string> }>;

const REQUEST_TIMEOUT_MS = 10_000;

/** One request to the target, answered as a profile's extractors see it; rejects only when the server cannot be reached. */
export async function sendTargetRequest(url: string, request: TargetRequest, extra: { headers?: Record<string, string>; query?: Record<string, string>; signal?: AbortSignal } = {}): Promise<TargetResponse> {
  const headers: Record<string, string> = {};
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  // Lower-cased, so that a profile's own header replaces a default instead of joining it.
  for (const [name, value] of Object.entries({ ...extra.headers, ...request.headers })) headers[name.toLowerCase()] = value;
  const query = new URLSearchParams(extra.query ?? {}).toString();
  const path = query ? `${request.path}${request.path.includes('?') ? '&' : '?'}${query}` : request.path;
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const res = await fetch(url + path, {
    method: request.method,
    headers,
    body: request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
    signal: extra.signal ? AbortSignal.any([extra.signal, timeout]) : timeout,
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

/** The TargetApi a profile's own functions get. */
export function createTargetApi(url: string, forHttp: CredentialsForHttp): TargetApi {
  return {
    url,
    request: (request) => sendTargetRequest(url, request),
    async requestAs(user, request) {
      return sendTargetRequest(url, request, await forHttp(user));
    },
  };
}

/** `Cookie` header value of a set of cookies. */
export function cookieHeader(cookies: Credentials['cookies']): string | undefined {
  const pairs = Object.entries(cookies ?? {});
  return pairs.length ? pairs.map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
}

/** The cookies an answer sets, by name (attributes dropped). */
export function cookiesSet(headers: Headers): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const line of headers.getSetCookie()) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return cookies;
}
