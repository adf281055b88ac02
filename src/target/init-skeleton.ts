import type { HandshakeAnswer } from './engine-io-handshake.ts';
import type { InitFindings } from './init-probe.ts';

// What `bazaar init` writes and prints, from what it found (pure: findings in, text out).

const json = (value: unknown, max = 160) => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
};

function describeHandshake(version: 3 | 4, answer: HandshakeAnswer): string {
  if (answer.ok) {
    const h = answer.handshake;
    const payload = h.maxPayloadBytes !== undefined ? `, maxPayload ${h.maxPayloadBytes} bytes` : '';
    return `Engine.IO ${version}: yes (polling, upgrades to [${h.upgrades.join(', ')}]; pingInterval ${h.pingIntervalMs} ms, pingTimeout ${h.pingTimeoutMs} ms${payload})`;
  }
  if (answer.reason === 'unreachable') return `Engine.IO ${version}: no answer (${answer.error})`;
  return `Engine.IO ${version}: refused (${answer.status} ${answer.body.slice(0, 80)})`;
}

/** The findings as lines a person reads: one fact each. */
export function renderFindingLines(f: InitFindings): string[] {
  const lines = [describeHandshake(4, f.engineIo[4]), describeHandshake(3, f.engineIo[3])];
  const a = f.anonymous;
  lines.push(a.connected
    ? 'connect without a token: accepted (the server asks for no credentials on the handshake)'
    : `connect without a token: refused, connect_error ${json(a.error)}${a.data !== undefined ? ` (data ${json(a.data)})` : ''}`);
  const t = f.withToken;
  if (t) {
    lines.push(t.placement === 'auth'
      ? 'connect with --token in auth.token: accepted'
      : t.placement === 'query'
        ? 'connect with --token: refused in auth.token, accepted in the query string (?token=)'
        : `connect with --token: refused in auth.token and in ?token= (connect_error ${json(t.answer.connected ? undefined : t.answer.error)})`);
  }
  lines.push(f.greeting
    ? `greeting after connect: \`${f.greeting.event}\` ${json(f.greeting.args.length === 1 ? f.greeting.args[0] : f.greeting.args)} after ${f.greeting.afterMs} ms`
    : `greeting after connect: ${f.anonymous.connected || f.withToken?.answer.connected ? `none within ${f.waitMs / 1000} s` : 'unknown (no connection was accepted: give --token)'}`);
  lines.push(f.healthzStatus === undefined ? 'GET /healthz: no answer' : `GET /healthz: ${f.healthzStatus}`);
  return lines;
}

/**
 * Whether what init saw is the contract's own dialect (docs/contract.md): the anonymous connect
 * refused with exactly `unauthorized` and a `session {userId, role, presence}` greeting. Such a
 * server needs no profile.
 */
export function looksLikeContract(f: InitFindings): boolean {
  const s = f.greeting?.event === 'session' ? (f.greeting.args[0] as { userId?: unknown; role?: unknown; presence?: { ttlMs?: unknown } } | undefined) : undefined;
  return !f.anonymous.connected && f.anonymous.error === 'unauthorized' && typeof s?.userId === 'string' && typeof s.role === 'string' && typeof s.presence?.ttlMs === 'number';
}

/** What the person has to fill in, in the order a profile needs it. */
export function renderTodo(f: InitFindings): string[] {
  return [
    `identity: how a simulated user gets credentials (your login or signup route)${f.withToken?.placement ? '' : ', and where the token goes on the handshake'}`,
    'world.booking: how to create the app\'s equivalent of a booking (a conversation, a room, an order) for a buyer and a seller',
    'operations: your event names and payloads for booking:join and message:send, and how success is known (ack, reply event, none)',
    'pushes[\'message:new\']: your message event, read into {bookingId, senderId, body, id, clientMsgId} (clientMsgId: an id the client gave, if your server echoes one; delivery is timed by it)',
    'capabilities: the guarantees your server claims (what it does not claim is shown not-applicable, never failed)',
  ];
}

export interface SkeletonOptions {
  /** Where `defineTarget` / `defineScenario` are imported from; default the package, 'bazaar'. */
  importFrom?: string;
  /** Written into the header comment. */
  date?: Date;
}

function handshakePlacement(f: InitFindings): string {
  if (f.withToken?.placement === 'query') return "{ in: 'query', name: 'token' }";
  if (f.withToken?.placement === 'auth') return "{ in: 'auth', name: 'token' }";
  return "{ in: 'auth', name: 'token' }, // TODO: or { in: 'query', name: 'token' }, { in: 'header', name: 'authorization', prefix: 'Bearer ' }, { in: 'cookie', name: 'sid' }";
}

function sessionLine(f: InitFindings): string {
  if (!f.greeting) return "session: 'none', // no event greeted a connection";
  const sample = json(f.greeting.args[0], 100);
  return `// The server greets each connection with \`${f.greeting.event}\` ${sample}: read what it tells.\n  session: { event: ${JSON.stringify(f.greeting.event)}, read: (greeting) => ({}) }, // TODO: e.g. ({ userId: greeting.user })`;
}

/** A `bazaar.target.ts` that loads as written (every field valid), with TODOs where only the person knows. */
export function renderProfileSkeleton(f: InitFindings, options: SkeletonOptions = {}): string {
  const found = renderFindingLines(f).map((l) => ` *   ${l}`).join('\n');
  const healthPath = f.healthzStatus === 200 ? "'/healthz'" : 'false, // GET /healthz did not answer 200: a fresh connection proves the server is up';
  return `/* How ${f.url} speaks, for bazaar: the profile that lets the shipped scenarios and
 * \`bazaar check\` run against it unchanged. Written by \`bazaar init\`${options.date ? ` on ${options.date.toISOString().slice(0, 10)}` : ''}.
 *
 * What bazaar found:
${found}
 *
 * Fill in every TODO (names below are placeholders), then:
 *   npx bazaar check --profile bazaar.target.ts
 *   npx bazaar run bazaar.scenario.ts --profile bazaar.target.ts
 * Walk-through: docs/own-server.md in the bazaar package. Words are the contract's
 * (docs/contract.md): a "booking" is your app's conversation, room or order; a "listing" what
 * it is about. */
import { defineTarget } from '${options.importFrom ?? 'bazaar'}';

export default defineTarget({
  name: 'my server',
  url: ${JSON.stringify(f.url)},

  // How a simulated user gets credentials, and where they go. Other shapes:
  // { type: 'jwt', secret, claims: { userId: 'uid', role: false } } mints tokens locally;
  // { type: 'custom', login: async (user, api) => ({ token, cookies, headers }) } for multi-step logins.
  identity: {
    type: 'login',
    // TODO: your login or signup route
    request: (user) => ({ method: 'POST', path: '/login', body: { user: user.userId } }),
    // TODO: where the answer carries the token (or leave token out and give cookie: 'sid')
    token: (res) => res.body.token,
    placement: {
      handshake: ${handshakePlacement(f)},
      http: { in: 'header', name: 'authorization', prefix: 'Bearer ' },
    },
  },

  // How bazaar makes the records a scenario needs, through your HTTP API.
  world: {
    booking: {
      // TODO: create your app's equivalent of a booking between a buyer and a seller
      request: (b) => ({ method: 'POST', path: '/api/conversations', body: { members: [b.buyerId, b.listing.sellerId] } }),
      result: (res) => ({ id: res.body.id }),
    },
  },

  // The contract's steps in your events. Success is known by an ack ({ ack(input, ...args) }),
  // a reply event ({ reply, match }), or not at all ({ none: true }: receipt tells).
  operations: {
    'booking:join': {
      event: 'join', // TODO
      args: (input) => [input.bookingId],
      outcome: { none: true },
    },
    'message:send': {
      event: 'message', // TODO
      // TODO: if your server echoes a client-chosen id with the message, send input.clientMsgId in it
      args: (input) => [{ room: input.bookingId, text: input.body }],
      outcome: { none: true },
    },
  },

  // Your server's events, read into the contract's payloads.
  pushes: {
    'message:new': {
      event: 'message', // TODO
      read: (m) => ({ bookingId: m.room, senderId: m.from, body: m.text, id: m.id, clientMsgId: m.clientId }),
    },
  },

  ${sessionLine(f)}

  // The guarantees your server claims (see CAPABILITIES in bazaar): left out, not claimed, and
  // the checks that need it are shown not-applicable. TODO: claim what your server does.
  capabilities: { ownEcho: true },

  healthPath: ${healthPath}
});
`;
}

/** A first scenario in the contract's words, run through the profile. */
export function renderFirstScenario(f: InitFindings, options: SkeletonOptions = {}): string {
  return `/* First load against ${f.url}, written by \`bazaar init\`: a few buyers and sellers join
 * their bookings (your conversations) and chat for 30 seconds. Passes when sends are answered
 * fast and messages reach the other party fast. Run it with:
 *   npx bazaar run bazaar.scenario.ts --profile bazaar.target.ts
 * then raise the load (executor) and tighten the thresholds to what your users need. */
import { defineScenario } from '${options.importFrom ?? 'bazaar'}';

export default defineScenario({
  world: { sellers: 2, listingsPerSeller: 2, bookings: 4 },
  executor: { type: 'constant-vus', vus: 4, duration: '30s' },
  thresholds: {
    'ack{event:message:send}': ['p(95)<250ms'],
    'delivery{event:message:new}': ['p(95)<500ms'],
  },
  async setup({ buyer, seller, booking }) {
    await Promise.all([buyer.join(booking!), seller.join(booking!)]);
  },
  async iteration({ buyer, seller, booking, think }) {
    const arrival = seller.expect('message:new', (m) => m.senderId === buyer.userId, 5_000);
    await buyer.send(booking!, 'hello, is it still available?');
    await arrival;
    await think('1s', { jitter: 0.5 });
  },
});
`;
}
