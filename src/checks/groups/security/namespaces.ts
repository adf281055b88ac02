import { randomBytes } from 'node:crypto';
import { openRawSocket, type ConnectAnswer, type RawSocket } from '../../probes/raw-socket.ts';
import type { CheckContext, CheckDefinition } from '../../types.ts';

/*
 * Namespaces (issue 11, docs/security.md "Namespaces"). `io.use()` guards the main namespace
 * only: every `io.of('/other')` needs its own middleware, and forgetting it opens that namespace
 * to anyone. Spoken by hand over one WebSocket (src/checks/probes/raw-socket.ts): CONNECT packets
 * to several namespaces ride the same connection, and the answers are read as the server wrote
 * them. A connect with no credentials at all is what an attacker has.
 */

const ANSWER_MS = 3_000;

/** Names apps commonly give a namespace of their own, tried besides the profile's `security.namespaces`. */
export const COMMON_NAMESPACES = ['/admin', '/internal', '/debug', '/dashboard', '/management', '/ops', '/monitor', '/private', '/api', '/chat', '/notifications', '/events'] as const;

const clip = (frame: string, max = 200) => (frame.length > max ? `${frame.slice(0, max)}…` : frame);

async function withRawSocket<T>(ctx: CheckContext, name: string, use: (raw: RawSocket) => Promise<T>): Promise<T> {
  const raw = await openRawSocket(ctx.url, name, ANSWER_MS);
  const close = () => raw.close();
  ctx.signal.addEventListener('abort', close, { once: true });
  try {
    return await use(raw);
  } finally {
    ctx.signal.removeEventListener('abort', close);
    raw.close();
  }
}

/** What arrived on a namespace after its CONNECT was accepted (its greeting shows what it hands out). */
async function eventsOn(raw: RawSocket, namespace: string, from: number): Promise<string[]> {
  await raw.waitForFrame((d) => d.startsWith(`42${namespace},`), from, 300);
  return raw.frames.slice(from).map((f) => f.data).filter((d) => d.startsWith(`42${namespace},`));
}

async function unauthenticatedNamespaces(ctx: CheckContext): Promise<void | { skipped: string }> {
  const namespaces = [...new Set([...(ctx.security.namespaces ?? []), ...COMMON_NAMESPACES])];
  return withRawSocket(ctx, ctx.id('anonymous'), async (raw): Promise<void | { skipped: string }> => {
    // Control: the main namespace refuses a connect without credentials, or there is nothing to compare with.
    const main = await raw.connect({}, ANSWER_MS);
    if (main.kind === 'connected') {
      return { skipped: `the main namespace accepts a connect without credentials (${clip(main.frame)}): the app has no handshake authentication to compare its namespaces with` };
    }
    for (const namespace of namespaces) {
      const from = raw.frames.length;
      const answer = await raw.connect({}, ANSWER_MS, namespace);
      if (answer.kind !== 'connected') continue;
      const events = await eventsOn(raw, namespace, from);
      ctx.fail(
        `a CONNECT to namespace ${namespace} with no credentials was accepted (${clip(answer.frame)}) while the main namespace refused the same (${describe(main)})` +
          (events.length ? `; it then sent ${events.map((e) => clip(e)).join(', ')}` : ''),
      );
    }
    return undefined;
  });
}

function describe(answer: ConnectAnswer): string {
  return answer.kind === 'no answer' ? 'no answer' : clip(answer.frame);
}

async function unknownNamespace(ctx: CheckContext): Promise<void> {
  const namespace = `/bazaar-no-such-namespace-${randomBytes(4).toString('hex')}`;
  const userId = ctx.id('buyer');
  // With a valid token where bazaar can put one in `auth` (the contract's placement), else none.
  const auth = ctx.claims('jwt') ? { token: await ctx.token(userId, 'buyer') } : {};
  const credentials = ctx.claims('jwt') ? 'a valid token' : 'the credentials a raw client has (none)';
  await withRawSocket(ctx, userId, async (raw) => {
    const answer = await raw.connect(auth, ANSWER_MS, namespace);
    if (answer.kind === 'connected') {
      ctx.fail(`a CONNECT to the unknown namespace ${namespace} with ${credentials} was accepted: ${clip(answer.frame)} (the server makes a namespace for any name a client sends)`);
    } else if (answer.kind === 'no answer') {
      ctx.fail(`a CONNECT to the unknown namespace ${namespace} got no answer within ${ANSWER_MS} ms${raw.isClosed ? ', and the server closed the connection' : ''}: expected a CONNECT_ERROR ("Invalid namespace")`);
    }
  });
  const alive = await ctx.serverAlive();
  if (!alive.ok) ctx.fail(`after a CONNECT to the unknown namespace ${namespace}, the server no longer answers: ${alive.detail}`);
}

export const securityNamespaceChecks: CheckDefinition[] = [
  {
    id: 'security.namespaces.unauthenticated',
    severity: 'critical',
    fixHint: 'io.use() guards the main namespace only: add the same middleware to every namespace (io.of(\'/admin\').use(authenticate)), or to a parent namespace that creates them',
    title: 'No namespace (the profile\'s security.namespaces, and common names: /admin, /internal, ...) accepts a connect the main namespace refuses for want of credentials',
    guarantee: 'every namespace authenticates its handshake as the main one does',
    run: unauthenticatedNamespaces,
  },
  {
    id: 'security.namespaces.unknown',
    severity: 'medium',
    fixHint: 'declare namespaces by name; a dynamic namespace regex should match only the names the app issues, and a catch-all one should not exist (each namespace a client creates stays in memory)',
    title: 'A connect to an unknown namespace is refused with a CONNECT_ERROR, and the server keeps serving',
    guarantee: 'Socket.IO protocol: an unknown namespace is answered CONNECT_ERROR "Invalid namespace"',
    run: unknownNamespace,
  },
];
