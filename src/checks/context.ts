import type { Listing, Role, SessionPayload } from '../contract/index.ts';
import type { TokenProvider } from '../client/http.ts';
import { contractRoute, type RoutedOperation } from '../target/contract-routes.ts';
import { performOperation } from '../target/operations.ts';
import type { Target } from '../target/target.ts';
import type { TargetUser } from '../target/types.ts';
import { absenceWindowMs } from './absence-window.ts';
import { clockSkewFromDateHeader } from './clock-skew.ts';
import { describeAbort, openProbe, type ProbeClient, type ProbeConnectOptions } from './probe-client.ts';
import type { CheckContext, ClockSkew, HttpResult, PresenceTiming } from './types.ts';

export interface CheckTarget {
  url: string;
  token: TokenProvider;
  jwtSecret: string | undefined;
  presence: PresenceTiming;
  session: SessionPayload | undefined;
  /**
   * How the server speaks (src/target/): with a profile of another dialect, probes translate,
   * listings and bookings are made the profile's way. Absent: the contract's dialect.
   */
  dialect?: Target;
}

export interface CheckLimits {
  /** Stops the check: its probes, sleeps and HTTP calls end, and it may open nothing new. */
  signal?: AbortSignal;
  /** How long the check may run (reported to it as `ctx.timeoutMs`). */
  timeoutMs?: number;
}

/**
 * A contract HTTP call through a profile: its operation, answered as the contract would (the
 * contract's success status with the operation's data; 404 `not_mapped` when the profile has no
 * such operation; 400 with the refusal otherwise), so checks read it unchanged. An operation the
 * app has as a socket event is made on `socket` (a connection of the user's, opened for it).
 */
async function dialectHttp(target: Target, routed: RoutedOperation, user: TargetUser, socket?: ProbeClient['socket']): Promise<HttpResult> {
  const mapping = target.operation(routed.name);
  if (!mapping) return { status: 404, body: { error: { code: 'not_mapped', message: `the target profile "${target.profile.name}" maps no ${routed.name}` } } };
  const done = await performOperation(mapping, routed.input, { socket, user, timeoutMs: 10_000, url: target.url, identity: target.identity });
  if (done.kind === 'timeout') return { status: 0, body: { error: { code: 'timeout', message: `no answer to ${routed.name}` } } };
  if (done.kind === 'sent') return { status: routed.okStatus, body: {} };
  const { ok, ...data } = done.ack as { ok: boolean } & Record<string, unknown>;
  return ok ? { status: routed.okStatus, body: data } : { status: 400, body: data };
}

const stopped = (signal: AbortSignal) => new Error(`the check was stopped: ${describeAbort(signal)}`);

/** A sleep that rejects when `signal` aborts, so a stopped check's loop ends instead of going on. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(stopped(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(stopped(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A context for one check; `close()` closes every connection it opened, and from then on it
 * opens none (a check that ignores its signal cannot leave a socket behind).
 */
export function createCheckContext(target: CheckTarget, prefix: string, limits: CheckLimits = {}): CheckContext & { evidence: string[]; notes: string[]; close(): void } {
  const probes: ProbeClient[] = [];
  const evidence: string[] = [];
  const notes: string[] = [];
  const counters = new Map<string, number>();
  const signal = limits.signal ?? new AbortController().signal;
  /** Latencies measured on the target besides the probes' own ack round trips (HTTP calls, timed deliveries). */
  const latenciesMs: number[] = [];
  const opened: ProbeClient[] = [];
  let connections = 0;
  let closed = false;
  /** Records made the profile's way (a booking is asked for by listing id: its seller comes from here). */
  let made = 0;
  const listingsMade = new Map<string, Listing>();

  const track = (probe: ProbeClient) => {
    if (closed) {
      probe.close();
      throw stopped(signal);
    }
    probes.push(probe);
    opened.push(probe);
    return probe;
  };
  const open = (name: string, options: ProbeConnectOptions) => {
    if (closed || signal.aborted) return Promise.reject(stopped(signal));
    return openProbe(target.url, name, { ...options, signal });
  };
  const timeout = (ms: number) => AbortSignal.any([signal, AbortSignal.timeout(ms)]);

  const http = async (method: string, path: string, options: { as?: [string, Role]; token?: string; body?: unknown } = {}): Promise<HttpResult> => {
    // Another dialect: a call of the contract's API is the operation it stands for, made the profile's way.
    const routed = target.dialect && !target.dialect.contract && options.as ? contractRoute(method, path, options.body) : undefined;
    if (routed && options.as) {
      const [userId, role] = options.as;
      // The app has this operation as a socket event (e.g. history by `emitWithAck`): made on a connection of the user's own.
      const viaSocket = 'event' in (target.dialect!.operation(routed.name) ?? {}) ? await ctx.connect(userId, role) : undefined;
      try {
        const sentAtMs = Date.now();
        const answer = await dialectHttp(target.dialect!, routed, { userId, role }, viaSocket?.socket);
        latenciesMs.push(Date.now() - sentAtMs);
        return answer;
      } finally {
        viaSocket?.close();
      }
    }
    const headers: Record<string, string> = {};
    if (!options.token && options.as && target.dialect && !target.dialect.contract) {
      const identity = target.dialect.identity;
      Object.assign(headers, identity.http(await identity.credentials({ userId: options.as[0], role: options.as[1] })).headers);
    }
    const token = options.token ?? (options.as && !headers.authorization && !headers.cookie ? await target.token(options.as[0], options.as[1]) : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const sentAtMs = Date.now();
    const res = await fetch(target.url + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
      signal: timeout(10_000),
    });
    const text = await res.text();
    latenciesMs.push(Date.now() - sentAtMs);
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body };
  };

  const ctx: CheckContext & { evidence: string[]; notes: string[]; close(): void } = {
    url: target.url,
    prefix,
    evidence,
    notes,
    jwtSecret: target.jwtSecret,
    presence: target.presence,
    session: target.session,
    signal,
    timeoutMs: limits.timeoutMs ?? 30_000,
    id(label) {
      const n = (counters.get(label) ?? 0) + 1;
      counters.set(label, n);
      return `${prefix}-${label}${n}`;
    },
    token: async (userId, role) => target.token(userId, role),
    security: target.dialect?.profile.security ?? {},
    claims: (capability) => !target.dialect || target.dialect.capabilities.has(capability),
    async connect(userId, role, options: ProbeConnectOptions = {}) {
      const dialect = target.dialect;
      if (dialect && !dialect.contract) {
        const user = { userId, role };
        const handshake = dialect.identity.handshake(await dialect.identity.credentials(user));
        return track(await open(`${userId}@c${++connections}`, {
          ...options,
          auth: options.auth ?? handshake.auth,
          query: { ...handshake.query, ...options.query },
          // The check's own headers (an Origin) go with the user's credentials.
          extraHeaders: { ...handshake.extraHeaders, ...options.extraHeaders },
          dialect: { target: dialect, user },
        }));
      }
      const token = await target.token(userId, role);
      return track(await open(`${userId}@c${++connections}`, { ...options, auth: options.auth ?? { token } }));
    },
    async connectRaw(name, options) {
      return track(await open(`${name}@c${++connections}`, options));
    },
    http,
    async requestAs(user, request) {
      if (target.dialect && !target.dialect.contract) return target.dialect.api.requestAs(user, request);
      const res = await fetch(target.url + request.path, {
        method: request.method,
        headers: { authorization: `Bearer ${await target.token(user.userId, user.role)}`, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: timeout(10_000),
      });
      const text = await res.text();
      let body: unknown = text || undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: the raw text
      }
      return { status: res.status, body, headers: res.headers };
    },
    async listing(sellerId, options = {}) {
      if (target.dialect && !target.dialect.contract) {
        const listing = await target.dialect.world.listing({ sellerId, title: `check listing of ${sellerId}`, price: options.price ?? 100, private: options.private ?? false, index: ++made });
        listingsMade.set(listing.id, listing);
        return listing;
      }
      const res = await http('POST', '/api/listings', {
        as: [sellerId, 'seller'],
        body: { title: `check listing of ${sellerId}`, price: options.price ?? 100, private: options.private ?? false },
      });
      if (res.status !== 201) throw new Error(`setup: POST /api/listings as ${sellerId} answered ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async booking(buyerId, listingId) {
      if (target.dialect && !target.dialect.contract) {
        const listing = listingsMade.get(listingId) ?? { id: listingId, sellerId: '', title: '', price: 0, private: false, available: true, version: 1 };
        return target.dialect.world.booking({ buyerId, listing, index: ++made });
      }
      const res = await http('POST', '/api/bookings', { as: [buyerId, 'buyer'], body: { listingId } });
      if (res.status !== 201) throw new Error(`setup: POST /api/bookings as ${buyerId} answered ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    fail(line) {
      evidence.push(line);
    },
    note(line) {
      notes.push(line);
    },
    sleep: (ms) => abortableSleep(ms, signal),
    async serverAlive() {
      const healthPath = target.dialect?.profile.healthPath ?? '/healthz';
      if (healthPath !== false) try {
        const health = await fetch(`${target.url}${healthPath}`, { signal: timeout(3_000) });
        await health.arrayBuffer();
        if (health.status !== 200) return { ok: false, detail: `${healthPath} answered ${health.status}` };
      } catch (error) {
        return { ok: false, detail: `${healthPath} did not answer: ${(error as Error).message}` };
      }
      try {
        const probe = await ctx.connect(ctx.id('alive'), 'buyer', { timeoutMs: 3_000 });
        probe.close();
      } catch (error) {
        return { ok: false, detail: `a fresh connection failed: ${(error as Error).message}` };
      }
      return { ok: true, detail: 'healthz 200 and a fresh connection' };
    },
    observeLatency(ms) {
      latenciesMs.push(ms);
    },
    absenceWindowMs() {
      return absenceWindowMs([...latenciesMs, ...opened.flatMap((p) => p.roundTripsMs)]);
    },
    async serverClockSkew(): Promise<ClockSkew> {
      // Several answers: the one with the shortest round trip bounds the skew best.
      let best: ClockSkew | undefined;
      for (let i = 0; i < 3; i++) {
        const sentAtMs = Date.now();
        const res = await fetch(`${target.url}/healthz`, { signal: timeout(5_000) });
        await res.arrayBuffer();
        const skew = clockSkewFromDateHeader(res.headers.get('date'), sentAtMs, Date.now());
        if (skew && (!best || skew.uncertaintyMs < best.uncertaintyMs)) best = skew;
      }
      // No Date header: assume our clock, and say how unsure that is.
      return best ?? { skewMs: 0, uncertaintyMs: 5_000 };
    },
    close() {
      closed = true;
      for (const probe of probes) probe.close();
      probes.length = 0;
    },
  };
  return ctx;
}
