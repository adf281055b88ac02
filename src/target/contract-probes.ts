import { readEngineIoHandshake } from './engine-io-handshake.ts';
import type { Probe, ProbeOutcome } from './probe.ts';
import { probeSocket } from './probe-socket.ts';

// The probes that tell whether a server speaks docs/contract.md, each cheap and leaving nothing
// behind: a handshake, a refused connect, a connect that must be greeted by `session`, and a
// listing a buyer may not create.

const short = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** Engine.IO at /socket.io/: the one thing every Socket.IO server shares, whatever its dialect. */
export const engineIoProbe: Probe = {
  id: 'engine.io',
  probed: 'Engine.IO handshake (GET /socket.io/?EIO=4&transport=polling)',
  required: true,
  async run({ url }): Promise<ProbeOutcome> {
    const answer = await readEngineIoHandshake(url, 4);
    if (answer.ok) {
      const h = answer.handshake;
      return { ok: true, found: `EIO 4, upgrades [${h.upgrades.join(', ')}], pingInterval ${h.pingIntervalMs} ms`, facts: { handshake: h } };
    }
    if (answer.reason === 'unreachable') return { ok: false, missing: 'unreachable', found: `cannot reach ${url}: ${answer.error}` };
    return { ok: false, missing: 'dialect', found: `no Socket.IO server at /socket.io/: ${answer.status} ${short(answer.body)}` };
  },
};

const isContractError = (body: unknown): body is { error: { code: string } } =>
  typeof (body as { error?: { code?: unknown } })?.error?.code === 'string';

/** The contract's listings route: a buyer may not create a listing (403), and nothing is created. */
export const listingsRouteProbe: Probe = {
  id: 'http.listings',
  probed: 'POST /api/listings as a buyer (the contract answers 403 {"error":{"code":"forbidden"}})',
  required: true,
  async run({ url, token, userId }): Promise<ProbeOutcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${await token(userId, 'buyer')}`;
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${url}/api/listings`, { method: 'POST', headers, body: '{}', signal: AbortSignal.timeout(5_000) });
      status = res.status;
      text = await res.text();
    } catch (error) {
      return { ok: false, missing: 'unreachable', found: `POST /api/listings failed: ${(error as Error).message}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const seen = `POST /api/listings → ${status} ${short(text)}`;
    if (status === 401 && isContractError(body)) return { ok: false, missing: 'credentials', found: `${seen}: the probe's token was refused` };
    if ((status === 403 || status === 400) && isContractError(body)) return { ok: true, found: `${status} ${body.error.code}` };
    return { ok: false, missing: 'dialect', found: seen };
  },
};

/** A connect without a token is refused with exactly `unauthorized` (contract §1). Reported, not required. */
export const anonymousConnectProbe: Probe = {
  id: 'socket.anonymous',
  probed: 'connect without a token',
  required: false,
  async run({ url }): Promise<ProbeOutcome> {
    const answer = await probeSocket(url, { listenMs: 0 });
    if (answer.connected) return { ok: false, missing: 'dialect', found: 'accepted (the contract refuses it with "unauthorized")' };
    if (answer.error === 'unauthorized') return { ok: true, found: 'refused: connect_error "unauthorized"' };
    return { ok: false, missing: 'dialect', found: `refused: connect_error "${answer.error}" (the contract says "unauthorized")`, facts: { error: answer.error } };
  },
};

const isSession = (payload: unknown): boolean => {
  const p = payload as { userId?: unknown; role?: unknown; presence?: { ttlMs?: unknown; heartbeatMs?: unknown } } | null;
  return typeof p?.userId === 'string' && typeof p.role === 'string' && typeof p.presence?.ttlMs === 'number' && typeof p.presence.heartbeatMs === 'number';
};

/** A connect with `auth: {token}` is greeted by `session {userId, role, presence}` (contract §5). */
export const sessionProbe: Probe = {
  id: 'socket.session',
  probed: 'connect with auth.token, then wait for the `session` event',
  required: true,
  async run({ url, token, userId, waitMs }): Promise<ProbeOutcome> {
    if (!token) return { ok: false, missing: 'credentials', found: 'no way to get a token (no secret, no token module)' };
    const answer = await probeSocket(url, {
      auth: { token: await token(userId, 'buyer') },
      listenMs: waitMs,
      until: (event) => event === 'session',
    });
    if (!answer.connected) {
      if (answer.error === 'unauthorized') return { ok: false, missing: 'credentials', found: `refused a token minted for the check (connect_error "unauthorized")` };
      return { ok: false, missing: 'dialect', found: `connect refused: connect_error "${answer.error}" (the contract refuses only with "unauthorized")` };
    }
    const session = answer.events.find((e) => e.event === 'session');
    if (!session) {
      const others = answer.events.map((e) => e.event);
      return { ok: false, missing: 'dialect', found: `no \`session\` event within ${waitMs / 1000} s${others.length ? ` (got ${[...new Set(others)].join(', ')})` : ''}` };
    }
    if (!isSession(session.args[0])) {
      return { ok: false, missing: 'dialect', found: `a \`session\` event, but not the contract's {userId, role, presence}: ${short(session.args[0])}` };
    }
    return { ok: true, found: `session after ${session.afterMs} ms`, facts: { session: session.args[0] } };
  },
};

/** What bazaar probes before a contract run or check. */
export const CONTRACT_PROBES: readonly Probe[] = [engineIoProbe, listingsRouteProbe, anonymousConnectProbe, sessionProbe];
