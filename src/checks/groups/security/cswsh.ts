import type { CheckContext, CheckDefinition } from '../../types.ts';

/*
 * Cross-site WebSocket hijacking (issue 11, docs/security.md "Cross-site WebSocket hijacking").
 * A browser sends a site's cookies with a WebSocket handshake whatever page opened it, and the
 * same-origin policy does not cover WebSockets: only the server's check of `Origin` stands
 * between a page on another site and the user's session. Polling is XHR, which CORS does cover,
 * unless the server answers any origin with credentials allowed. Only for cookie-authenticated
 * targets (capability cookieAuth): a bearer token in `auth` is not sent by a browser on its own.
 */

export const FOREIGN_ORIGIN = 'https://cswsh.bazaar.invalid';

async function foreignOrigin(ctx: CheckContext): Promise<void> {
  const userId = ctx.id('buyer');
  // Control: the user's own credentials connect (no Origin: a non-browser client).
  try {
    (await ctx.connect(userId, 'buyer', { transports: ['websocket'] })).close();
  } catch (error) {
    throw new Error(`setup: ${userId} could not connect with its own session cookie and no Origin ("${(error as Error).message}"), so a refusal proves nothing`);
  }
  for (const transport of ['websocket', 'polling'] as const) {
    try {
      const probe = await ctx.connect(userId, 'buyer', { transports: [transport], extraHeaders: { origin: FOREIGN_ORIGIN } });
      ctx.fail(`a ${transport} handshake carrying ${userId}'s session cookie and Origin: ${FOREIGN_ORIGIN} was accepted: ${probe.name} connected as ${userId} (a page on any site the user visits can do the same)`);
      probe.close();
    } catch {
      // refused: what a server checking Origin does
    }
  }
}

async function corsCredentials(ctx: CheckContext): Promise<void> {
  const path = '/socket.io/?EIO=4&transport=polling';
  for (const origin of [FOREIGN_ORIGIN, 'null']) {
    const requests: [string, RequestInit][] = [
      ['GET', { method: 'GET', headers: { origin } }],
      ['OPTIONS (preflight)', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } }],
    ];
    for (const [label, init] of requests) {
      const res = await fetch(new URL(path, ctx.url), { ...init, signal: ctx.signal });
      await res.body?.cancel();
      const allowOrigin = res.headers.get('access-control-allow-origin');
      const allowCredentials = res.headers.get('access-control-allow-credentials');
      if (allowCredentials === 'true' && allowOrigin === origin) {
        ctx.fail(`${label} ${path} with Origin: ${origin} answered Access-Control-Allow-Origin: ${allowOrigin} and Access-Control-Allow-Credentials: true: any site may read the user's polling session with its cookies`);
      }
    }
  }
}

export const securityCswshChecks: CheckDefinition[] = [
  {
    id: 'security.cswsh.foreign-origin',
    requires: ['cookieAuth'],
    severity: 'high',
    fixHint: 'refuse handshakes whose Origin is not one of your sites: new Server(http, { allowRequest: (req, cb) => cb(null, ALLOWED.includes(req.headers.origin)) }) (Socket.IO\'s cors option does not stop WebSocket handshakes)',
    title: 'A handshake carrying the user\'s session cookie and a foreign Origin is refused (WebSocket and polling)',
    guarantee: 'OWASP: a cookie-authenticated WebSocket checks Origin (cross-site WebSocket hijacking)',
    run: foreignOrigin,
  },
  {
    id: 'security.cswsh.cors-credentials',
    requires: ['cookieAuth'],
    severity: 'high',
    fixHint: 'list the allowed origins in Socket.IO\'s cors option (cors: { origin: [\'https://app.example\'], credentials: true }); never origin: true or a reflected Origin with credentials',
    title: 'CORS on the Socket.IO path does not reflect a foreign (or "null") Origin with credentials allowed',
    guarantee: 'Fetch standard, CORS: credentials are shared only with origins the server trusts',
    run: corsCredentials,
  },
];
