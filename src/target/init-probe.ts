import { readEngineIoHandshake, type HandshakeAnswer } from './engine-io-handshake.ts';
import { probeSocket, type SocketProbeAnswer } from './probe-socket.ts';

/** What `bazaar init` learns about a server from the outside, before anyone writes a profile. */
export interface InitFindings {
  url: string;
  /** The Engine.IO handshake for each protocol version: 4 is Socket.IO 3 and 4, 3 is Socket.IO 2. */
  engineIo: { 4: HandshakeAnswer; 3: HandshakeAnswer };
  /** A connect with no credentials at all. */
  anonymous: SocketProbeAnswer;
  /** With `--token`: where the server took it (auth.token, else ?token=), or its refusal. */
  withToken?: { placement: 'auth' | 'query'; answer: SocketProbeAnswer & { connected: true } } | { placement: undefined; answer: SocketProbeAnswer & { connected: false } };
  /** GET /healthz: its status, or undefined when it did not answer. */
  healthzStatus?: number;
  /** The event the server greeted a connection with, unasked, within `waitMs`, if any. */
  greeting?: { event: string; args: unknown[]; afterMs: number };
  waitMs: number;
}

export interface InitProbeOptions {
  /** A token of a user of the server, to learn where it goes and what a connection is greeted with. */
  token?: string;
  /** How long to listen after connecting for a greeting (`session`); default 2 s. */
  waitMs?: number;
}

/** The greeting is the first event a connection gets: stop listening there. */
const firstEvent = () => true;

/** Probe a server for `bazaar init` (the I/O edge; init-skeleton.ts renders what it found). */
export async function probeForInit(url: string, options: InitProbeOptions = {}): Promise<InitFindings> {
  const waitMs = options.waitMs ?? 2_000;
  const base = url.replace(/\/$/, '');
  const [v4, v3, anonymous, healthzStatus] = await Promise.all([
    readEngineIoHandshake(base, 4),
    readEngineIoHandshake(base, 3),
    probeSocket(base, { listenMs: waitMs, until: firstEvent }),
    fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    }, () => undefined),
  ]);
  const findings: InitFindings = { url: base, engineIo: { 4: v4, 3: v3 }, anonymous, ...(healthzStatus !== undefined ? { healthzStatus } : {}), waitMs };
  if (options.token && v4.ok) {
    // Where the token goes is the first thing a profile needs: try the contract's place, then the query string.
    const inAuth = await probeSocket(base, { auth: { token: options.token }, listenMs: waitMs, until: firstEvent });
    const inQuery = inAuth.connected ? undefined : await probeSocket(base, { query: { token: options.token }, listenMs: waitMs, until: firstEvent });
    if (inAuth.connected) findings.withToken = { placement: 'auth', answer: inAuth };
    else if (inQuery?.connected) findings.withToken = { placement: 'query', answer: inQuery };
    else findings.withToken = { placement: undefined, answer: (inQuery ?? inAuth) as SocketProbeAnswer & { connected: false } };
  }
  const connected = findings.withToken?.answer.connected ? findings.withToken.answer : anonymous.connected ? anonymous : undefined;
  const greeting = connected?.connected ? connected.events[0] : undefined;
  if (greeting) findings.greeting = greeting;
  return findings;
}
