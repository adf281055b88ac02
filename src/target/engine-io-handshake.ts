/**
 * The Engine.IO handshake over HTTP long-polling, read without a Socket.IO client: what
 * protocol the server speaks and with what timings. `GET /socket.io/?EIO=4&transport=polling`
 * answers an open packet, `0{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}`
 * (EIO 3 frames it as `<length>:0{...}`).
 */
export interface EngineIoHandshake {
  eio: 3 | 4;
  sid: string;
  /** Transports the server offers to upgrade to, e.g. ['websocket']. */
  upgrades: string[];
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** EIO 4 only. */
  maxPayloadBytes?: number;
}

export type HandshakeAnswer =
  | { ok: true; handshake: EngineIoHandshake }
  | { ok: false; reason: 'unreachable'; error: string }
  | { ok: false; reason: 'refused'; status: number; body: string };

/** Parse a polling response body as an open packet of the given protocol version; undefined when it is not one. */
export function parseEngineIoOpen(body: string, eio: 3 | 4): EngineIoHandshake | undefined {
  // EIO 3 prefixes each packet with its length and a colon; EIO 4 separates packets with \x1e.
  const first = eio === 3 ? /^\d+:(.*)$/s.exec(body)?.[1] : body.split('\x1e')[0];
  if (!first?.startsWith('0')) return undefined;
  let open: unknown;
  try {
    // EIO 3 may append more packets after the open packet's JSON (`...}2:40`): cut at its length.
    const length = eio === 3 ? Number(/^(\d+):/.exec(body)?.[1]) - 1 : undefined;
    open = JSON.parse(first.slice(1, length === undefined ? undefined : 1 + length));
  } catch {
    return undefined;
  }
  const o = open as Record<string, unknown>;
  if (typeof o?.sid !== 'string' || typeof o.pingInterval !== 'number' || typeof o.pingTimeout !== 'number') return undefined;
  return {
    eio,
    sid: o.sid,
    upgrades: Array.isArray(o.upgrades) ? o.upgrades.filter((u): u is string => typeof u === 'string') : [],
    pingIntervalMs: o.pingInterval,
    pingTimeoutMs: o.pingTimeout,
    ...(typeof o.maxPayload === 'number' ? { maxPayloadBytes: o.maxPayload } : {}),
  };
}

/** The network error behind a failed fetch, as a code a person knows (ECONNREFUSED), else its message. */
export function fetchErrorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'no answer (timed out)';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * Open an Engine.IO session by polling, read its open packet, and close the session again
 * (a close packet), so the probe leaves nothing waiting on the server for its ping timeout.
 */
export async function readEngineIoHandshake(url: string, eio: 3 | 4, path = '/socket.io/', timeoutMs = 5_000): Promise<HandshakeAnswer> {
  const endpoint = new URL(path, url);
  endpoint.searchParams.set('EIO', String(eio));
  endpoint.searchParams.set('transport', 'polling');
  // b64: an EIO 3 server would otherwise answer in binary framing
  if (eio === 3) endpoint.searchParams.set('b64', '1');
  let res: Response;
  let body: string;
  try {
    res = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutMs) });
    body = await res.text();
  } catch (error) {
    return { ok: false, reason: 'unreachable', error: fetchErrorCode(error) };
  }
  const handshake = res.ok ? parseEngineIoOpen(body, eio) : undefined;
  if (!handshake) return { ok: false, reason: 'refused', status: res.status, body: body.slice(0, 200) };
  endpoint.searchParams.set('sid', handshake.sid);
  await fetch(endpoint, { method: 'POST', body: eio === 3 ? '1:1' : '1', signal: AbortSignal.timeout(timeoutMs) })
    .then((r) => r.arrayBuffer())
    .catch(() => {}); // the server drops the session on its ping timeout anyway
  return { ok: true, handshake };
}
