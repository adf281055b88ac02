import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signHmacToken } from '../../probes/tokens.ts';
import type { CheckContext, CheckDefinition } from '../../types.ts';
import { b64json, decodeToken, expectAcceptedToken, expectRefused, tryHandshake } from './support.ts';

/*
 * Tokens (issue 11, docs/security.md "Tokens"): the ways JWT verifiers fall beyond what the
 * contract's auth.* probes send. auth.rejects-unsigned-tokens already sends alg "none" and
 * "None" (left out here: a server that takes them fails there), a removed signature and a
 * changed payload; auth.rejects-bad-claims other HMAC algorithms, a token expired 60 s ago and
 * missing claims. These add: "none" in every other case and a signature stripped with its dot,
 * kid injection, keys a token names (jku, x5u, jwk), algorithm confusion with the app's public
 * key, the two transports, size, nbf, and logout.
 */

/** A valid token of a fresh user: its header and claims are what the forged ones start from. */
async function validToken(ctx: CheckContext): Promise<{ name: string; token: string }> {
  const userId = ctx.id('buyer');
  const token = await ctx.token(userId, 'buyer');
  await expectAcceptedToken(ctx, `${userId}-valid`, token, 'a valid token of the target');
  return { name: `${userId}-forged`, token };
}

async function algNoneAnyCase(ctx: CheckContext): Promise<void> {
  const { name, token } = await validToken(ctx);
  const [headerPart, payloadPart] = token.split('.') as [string, string];
  const { header, claims } = decodeToken(token);
  const elevated = b64json({ ...claims, role: 'admin' });
  const unsigned = (alg: string, payload = payloadPart) => `${b64json({ ...header, alg })}.${payload}.`;
  const forged: [string, string][] = [
    ...['NONE', 'nOnE', 'NoNe', 'nonE'].map((alg): [string, string] => [`a token with alg "${alg}" and no signature`, unsigned(alg)]),
    ['a token with alg "NONE", role → admin, no signature', unsigned('NONE', elevated)],
    ['a token with its signature stripped, dot and all (two parts)', `${headerPart}.${payloadPart}`],
    ['a token whose signature is a single "="', `${headerPart}.${payloadPart}.=`],
  ];
  await Promise.all(forged.map(([kind, value]) => expectRefused(ctx, name, kind, value)));
}

/**
 * `kid` values a verifier that finds its key by kid (a file, a SQL row) falls to: a path to a
 * file whose content is known (/dev/null: empty), and SQL that selects a chosen key.
 */
export const KID_INJECTIONS: readonly { kid: string; key: string; what: string }[] = [
  { kid: '../../../../../../../../../../../dev/null', key: '', what: 'a path traversal to /dev/null, signed with the empty key' },
  { kid: '/dev/null', key: '', what: 'an absolute path to /dev/null, signed with the empty key' },
  { kid: "x' UNION SELECT 'bazaar-kid-key' -- ", key: 'bazaar-kid-key', what: 'SQL that selects a chosen key, signed with that key' },
  { kid: 'x\' OR \'1\'=\'1', key: '', what: 'SQL that matches every row, signed with the empty key' },
];

async function kidInjection(ctx: CheckContext): Promise<void> {
  const { name, token } = await validToken(ctx);
  const { header, claims } = decodeToken(token);
  await Promise.all(
    KID_INJECTIONS.map(({ kid, key, what }) =>
      expectRefused(ctx, name, `a token with kid ${JSON.stringify(kid)} (${what})`, signHmacToken({ ...header, alg: 'HS256', kid }, claims, key, 'sha256')),
    ),
  );
}

async function timeClaims(ctx: CheckContext): Promise<void | { skipped: string }> {
  if (!ctx.jwtSecret) return { skipped: 'needs --jwt-secret to sign tokens with nbf and exp of its choosing' };
  const { name, token } = await validToken(ctx);
  const { header, claims } = decodeToken(token);
  // nbf and exp are judged by the server's clock: mint on it (from its Date header).
  const clock = await ctx.serverClockSkew();
  const nowS = Math.floor((Date.now() + clock.skewMs) / 1000);
  const slackS = Math.ceil(clock.uncertaintyMs / 1000);
  const sign = (extra: Record<string, unknown>) => signHmacToken({ ...header, alg: 'HS256' }, { ...claims, iat: nowS, exp: nowS + 3_600, ...extra }, ctx.jwtSecret as string, 'sha256');
  // Small leeways (a few seconds for clock drift) are fine and not judged: these are well past them.
  const forged: [string, string][] = [
    ['a token not valid for another hour (nbf now + 3600 s)', sign({ nbf: nowS + 3_600 })],
    [`a token not valid for another ${120 + slackS} s (nbf)`, sign({ nbf: nowS + 120 + slackS })],
    [`a token that expired ${30 + slackS} s ago (more leeway than clock drift needs)`, sign({ iat: nowS - 600, exp: nowS - 30 - slackS })],
    ['a token issued an hour from now (iat and nbf now + 3600 s)', sign({ iat: nowS + 3_600, nbf: nowS + 3_600, exp: nowS + 7_200 })],
  ];
  await Promise.all(forged.map(([kind, value]) => expectRefused(ctx, name, kind, value)));
}

/**
 * A key server of the attacker's, on this machine (port 0): it serves the attacker's key set at
 * /jwks.json and a certificate URL at /x5u.pem, and records every request. A target on another
 * machine cannot reach it: there, only the refusal is judged (docs/security.md).
 */
async function startKeyServer(jwks: unknown): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} (${req.headers['user-agent'] ?? 'no user-agent'})`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function foreignKeys(ctx: CheckContext): Promise<void> {
  const { name, token } = await validToken(ctx);
  const { claims } = decodeToken(token);
  // The attacker's own key pair: its strength does not matter, only whose it is.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const kid = 'bazaar-attacker';
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const keys = await startKeyServer({ keys: [jwk] });
  const close = () => void keys.close();
  ctx.signal.addEventListener('abort', close, { once: true });
  try {
    const rs256 = (header: Record<string, unknown>) => {
      const signingInput = `${b64json({ alg: 'RS256', typ: 'JWT', ...header })}.${b64json(claims)}`;
      return `${signingInput}.${sign('RSA-SHA256', Buffer.from(signingInput), privateKey).toString('base64url')}`;
    };
    const forged: [string, string][] = [
      [`an RS256 token signed with the attacker's key, jku ${keys.url}/jwks.json (the attacker's key set)`, rs256({ kid, jku: `${keys.url}/jwks.json` })],
      [`an RS256 token signed with the attacker's key, x5u ${keys.url}/x5u.pem`, rs256({ kid, x5u: `${keys.url}/x5u.pem` })],
      ['an RS256 token signed with the attacker\'s key, that key embedded in its jwk header (CVE-2018-0114)', rs256({ kid, jwk })],
    ];
    await Promise.all(forged.map(([kind, value]) => expectRefused(ctx, name, kind, value)));
    // A fetch may come after the refusal (a background key-set refresh).
    await ctx.sleep(ctx.absenceWindowMs());
    for (const request of keys.requests) {
      ctx.fail(`the server fetched ${request} from ${keys.url}, a URL only a token's header named: it lets a client choose where it fetches keys from (server-side request forgery, and keys of the client's choosing)`);
    }
  } finally {
    ctx.signal.removeEventListener('abort', close);
    await keys.close();
  }
}

/** Far above any token an identity provider issues (cookies stop at 4 KB, proxies' headers at 8 to 16 KB), under Socket.IO's 1 MB default frame limit. */
export const OVERSIZED_TOKEN_CHARS = 48 * 1024;

async function oversized(ctx: CheckContext): Promise<void | { skipped: string }> {
  if (!ctx.jwtSecret) return { skipped: 'needs --jwt-secret to sign an oversized token (a badly signed one proves nothing)' };
  const { name, token } = await validToken(ctx);
  const { header, claims } = decodeToken(token);
  const base = signHmacToken({ ...header, alg: 'HS256' }, { ...claims, pad: '' }, ctx.jwtSecret, 'sha256');
  const padded = signHmacToken({ ...header, alg: 'HS256' }, { ...claims, pad: 'x'.repeat(Math.ceil(((OVERSIZED_TOKEN_CHARS - base.length) * 3) / 4)) }, ctx.jwtSecret, 'sha256');
  await expectRefused(ctx, name, `a correctly signed token of ${padded.length} characters (a ${Math.round(padded.length / 1024)} KB claim "pad")`, padded);
  const alive = await ctx.serverAlive();
  if (!alive.ok) ctx.fail(`after an oversized token, the server no longer answers: ${alive.detail}`);
}

const TRANSPORTS = ['polling', 'websocket'] as const;

/** The same tokens over each transport alone: every verdict must be the same on both. */
async function transportParity(ctx: CheckContext): Promise<void> {
  const userId = ctx.id('buyer');
  const token = await ctx.token(userId, 'buyer');
  const { header, claims } = decodeToken(token);
  const tokens: [string, string, boolean][] = [
    ['a valid token', token, true],
    ['a token signed with another secret', signHmacToken({ ...header, alg: 'HS256' }, claims, randomBytes(24).toString('base64url'), 'sha256'), false],
    ['a token whose payload was changed after signing (role → admin)', `${token.split('.')[0]}.${b64json({ ...claims, role: 'admin' })}.${token.split('.')[2]}`, false],
  ];
  for (const [kind, value, valid] of tokens) {
    const verdicts = await Promise.all(
      TRANSPORTS.map(async (transport) => {
        const verdict = await tryHandshake(ctx, `${userId}-${transport}`, value, { transports: [transport] });
        if (verdict.accepted) verdict.probe.close();
        return verdict.accepted ? 'accepted' : `refused ("${verdict.message}")`;
      }),
    );
    const [polling, websocket] = verdicts as [string, string];
    if (polling.startsWith('accepted') !== websocket.startsWith('accepted')) {
      ctx.fail(`${kind} was ${polling} over polling alone and ${websocket} over WebSocket alone: the two transports authenticate differently`);
    } else if (!valid && polling === 'accepted') {
      ctx.fail(`${kind} was accepted over both polling and WebSocket`);
    } else if (valid && polling !== 'accepted') {
      throw new Error(`setup: ${kind} was ${polling} over polling and ${websocket} over WebSocket, so refusals prove nothing`);
    }
  }
}

/**
 * Algorithm confusion: a verifier that takes the algorithm from the token and is handed the
 * public key as "the key" verifies an HS256 token with the public key's text as HMAC secret. The
 * public key is public: an attacker signs whatever it likes with it.
 */
async function algorithmConfusion(ctx: CheckContext): Promise<void> {
  const pem = ctx.security.publicKeyPem as string;
  const { name, token } = await validToken(ctx);
  const { header, claims } = decodeToken(token);
  // The PEM as given and with its line ends trimmed or added: libraries differ in what they hash.
  const variants = [...new Set([pem, pem.trim(), `${pem.trim()}\n`])];
  const forged = variants.flatMap((key, i) => [
    [`an HS256 token signed with the public key (PEM variant ${i + 1} of ${variants.length}) as HMAC secret`, signHmacToken({ ...header, alg: 'HS256' }, claims, key, 'sha256')],
    [`an HS256 token signed with the public key (PEM variant ${i + 1}), role → admin`, signHmacToken({ ...header, alg: 'HS256' }, { ...claims, role: 'admin' }, key, 'sha256')],
  ] as [string, string][]);
  await Promise.all(forged.map(([kind, value]) => expectRefused(ctx, name, kind, value)));
}

/** Logged out is logged out: the credentials the logout ended connect no more. */
async function keptAfterLogout(ctx: CheckContext): Promise<void> {
  const user = { userId: ctx.id('buyer'), role: 'buyer' as const };
  const logout = ctx.security.logout!(user);
  try {
    (await ctx.connect(user.userId, user.role)).close();
  } catch (error) {
    throw new Error(`setup: ${user.userId} could not connect before logging out ("${(error as Error).message}")`);
  }
  const res = await ctx.requestAs(user, logout);
  if (res.status < 200 || res.status > 299) throw new Error(`setup: the logout ${logout.method} ${logout.path} as ${user.userId} answered ${res.status} ${JSON.stringify(res.body)}`);
  // The same credentials as before the logout (a login is kept per user).
  try {
    const probe = await ctx.connect(user.userId, user.role);
    ctx.fail(`after ${logout.method} ${logout.path} answered ${res.status}, a handshake with ${user.userId}'s credentials from before the logout was accepted: ${probe.name} connected (the logout ended nothing on the server)`);
    probe.close();
  } catch {
    // refused: the logout ended the session
  }
}

export const securityTokenChecks: CheckDefinition[] = [
  {
    id: 'security.tokens.alg-none-any-case',
    requires: ['jwt'],
    severity: 'critical',
    fixHint: 'verify with a fixed algorithm list (e.g. jsonwebtoken\'s `algorithms: [\'HS256\']`), never the token\'s own alg; compare algorithm names exactly, and refuse any token without three parts and a signature',
    title: 'Unsigned tokens with alg "none" in any letter case, and signatures stripped with their dot, are refused at the handshake',
    guarantee: 'RFC 8725 §3.1: a verifier does not let the token choose its algorithm; "none" is never accepted',
    run: algNoneAnyCase,
  },
  {
    id: 'security.tokens.kid-injection',
    requires: ['jwt'],
    severity: 'critical',
    fixHint: 'look a kid up in a fixed map of known key ids; never use it as a path, a URL or in SQL',
    title: 'Tokens whose kid header is a path (../../dev/null) or SQL, signed with the key that lookup would yield, are refused',
    guarantee: 'RFC 8725 §3.10: a kid is an untrusted string: it selects among known keys and nothing else',
    run: kidInjection,
  },
  {
    id: 'security.tokens.foreign-keys',
    requires: ['jwt'],
    severity: 'critical',
    fixHint: 'take keys from configuration (a pinned JWKS URL of your issuer), never from a token\'s jku, x5u or jwk header; refuse tokens that carry them',
    title: 'Tokens signed with the attacker\'s key and pointing at it (jku, x5u to a key server on port 0, an embedded jwk) are refused, and the server never fetches the URL',
    guarantee: 'RFC 8725 §3.10: a verifier uses only keys it trusts, never keys or key URLs a token names',
    run: foreignKeys,
  },
  {
    id: 'security.tokens.transport-parity',
    requires: ['jwt'],
    severity: 'high',
    fixHint: 'authenticate in the Socket.IO middleware (io.use), which every transport passes through; an HTTP middleware in front of the API does not cover /socket.io/ polling requests',
    title: 'A token gets the same verdict over HTTP long-polling alone as over WebSocket alone (valid accepted, forged refused on both)',
    guarantee: 'one authentication for every transport a client may choose',
    run: transportParity,
  },
  {
    id: 'security.tokens.algorithm-confusion',
    requires: ['publicKeyTokens'],
    severity: 'critical',
    fixHint: 'pin the algorithm when verifying (jsonwebtoken: algorithms: [\'RS256\']; jose: a key object of type public), never the token\'s own alg with a key given as text',
    title: 'HS256 tokens signed with the app\'s public key as HMAC secret are refused (the profile gives security.publicKeyPem)',
    guarantee: 'RFC 8725 §2.1, §3.1: a verifier uses the algorithm its key is for, not the one the token names',
    run: algorithmConfusion,
  },
  {
    id: 'security.tokens.kept-after-logout',
    requires: ['logout'],
    severity: 'high',
    fixHint: 'end the session on the server at logout (delete it, or deny-list the token until its exp), not only the cookie in the browser',
    title: 'After the profile\'s logout (security.logout), the credentials it ended are refused at the handshake',
    guarantee: 'OWASP session management: logout invalidates the session on the server',
    run: keptAfterLogout,
  },
  {
    id: 'security.tokens.oversized',
    requires: ['jwt'],
    severity: 'low',
    fixHint: 'refuse a token over a few KB before decoding it (the contract\'s verifier stops at 8 KB): every handshake otherwise decodes, parses and hashes whatever a client sends',
    title: 'A correctly signed 48 KB token is refused, and the server keeps serving',
    guarantee: 'a verifier bounds its input before decoding it (denial of service)',
    run: oversized,
  },
  {
    id: 'security.tokens.time-claims',
    requires: ['jwt'],
    severity: 'high',
    fixHint: 'check nbf as well as exp, with a leeway of seconds (clock drift), not minutes',
    title: 'Tokens not valid yet (nbf in the future) or expired well past a small leeway are refused',
    guarantee: 'RFC 7519 §4.1.4, §4.1.5: a token is not accepted after exp nor before nbf',
    run: timeClaims,
  },
];
