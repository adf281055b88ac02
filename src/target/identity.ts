import { createHmac } from 'node:crypto';
import { BazaarError } from '../errors.ts';
import { cookieHeader, cookiesSet, createTargetApi, sendTargetRequest } from './api.ts';
import type { Role } from '../contract/index.ts';
import type { Credentials, HandshakePlacement, HttpPlacement, IdentityProfile, JwtIdentity, TargetUser } from './types.ts';

/** The contract's token source (--jwt-secret or --token-module), as the clients have it. */
export type TokenProvider = (userId: string, role: Role) => string | Promise<string>;

/** What a Socket.IO client is given to present a user's credentials on the handshake. */
export interface HandshakeCredentials {
  auth: Record<string, unknown>;
  query: Record<string, string>;
  /** Headers (cookies among them): socket.io-client sends them on every transport in Node. */
  extraHeaders: Record<string, string>;
}

export interface Identity {
  /** A user's credentials: logged in once per user and kept (a login route is not on the hot path). */
  credentials(user: TargetUser): Promise<Credentials>;
  handshake(credentials: Credentials): HandshakeCredentials;
  http(credentials: Credentials): { headers: Record<string, string>; query: Record<string, string> };
  /** Credentials for a user as the contract's token provider sees them (its token). */
  tokenProvider: TokenProvider;
}

const DEFAULT_HANDSHAKE: HandshakePlacement = { in: 'auth', name: 'token' };
const DEFAULT_HTTP: HttpPlacement = { in: 'header', name: 'authorization', prefix: 'Bearer ' };
const KEPT_LOGINS_MAX = 10_000;

/** An HS256 token with the app's claim names (the contract's minter knows only `sub` and `role`). */
function mintJwt(identity: JwtIdentity, user: TargetUser, nowMs = Date.now()): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims: Record<string, unknown> = { ...identity.claims?.extra };
  claims[identity.claims?.userId ?? 'sub'] = user.userId;
  if (identity.claims?.role !== false) claims[identity.claims?.role ?? 'role'] = user.role;
  claims.iat = Math.floor(nowMs / 1000);
  claims.exp = Math.floor((nowMs + (identity.ttlMs ?? 3_600_000)) / 1000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', identity.secret).update(input).digest('base64url')}`;
}

/**
 * The identity of a profile: how credentials are obtained and where they go. `contractToken`
 * is the contract's own provider (--jwt-secret or --token-module), used by `{ type: 'contract' }`.
 */
export function createIdentity(profile: IdentityProfile, url: string, contractToken?: TokenProvider): Identity {
  const placement = 'placement' in profile ? profile.placement : undefined;
  const handshakeAt = placement?.handshake ?? DEFAULT_HANDSHAKE;
  const httpAt = placement?.http ?? DEFAULT_HTTP;
  const kept = new Map<string, Promise<Credentials>>();

  const login = async (user: TargetUser): Promise<Credentials> => {
    switch (profile.type) {
      case 'contract':
        if (!contractToken) throw new BazaarError('BAZAAR_NO_SECRET', `no way to mint tokens for ${url}`, 'pass --jwt-secret S, or --token-module FILE');
        return { token: await contractToken(user.userId, user.role) };
      case 'jwt':
        return { token: mintJwt(profile, user) };
      case 'custom':
        return profile.login(user, createTargetApi(url, async (u) => identity.http(await identity.credentials(u))));
      case 'login': {
        let res;
        try {
          res = await sendTargetRequest(url, profile.request(user));
        } catch (error) {
          throw new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot reach ${url} to log in ${user.userId}: ${(error as Error).message}`, 'start the server first, or check the profile\'s url / --target');
        }
        const ok = profile.okStatus ? profile.okStatus.includes(res.status) : res.status >= 200 && res.status < 300;
        const request = profile.request(user);
        if (!ok) {
          throw new BazaarError('BAZAAR_LOGIN_FAILED', `logging in ${user.userId} (${request.method} ${request.path}) answered ${res.status} ${JSON.stringify(res.body)}`,
            'check identity.request in the profile: the route, and the body the app expects');
        }
        const credentials: Credentials = {};
        const token = profile.token?.(res);
        if (token) credentials.token = token;
        if (profile.cookie) {
          const value = cookiesSet(res.headers)[profile.cookie];
          if (value === undefined) {
            throw new BazaarError('BAZAAR_LOGIN_FAILED', `logging in ${user.userId} set no cookie named ${profile.cookie} (it set: ${Object.keys(cookiesSet(res.headers)).join(', ') || 'none'})`,
              'check identity.cookie in the profile');
          }
          credentials.cookies = { [profile.cookie]: value };
        }
        if (!credentials.token && !credentials.cookies) throw new BazaarError('BAZAAR_LOGIN_FAILED', `logging in ${user.userId}: identity.token read nothing from ${JSON.stringify(res.body)}`, 'check identity.token in the profile');
        return credentials;
      }
    }
  };

  const identity: Identity = {
    credentials(user) {
      // The contract's provider caches (and renews) by itself; a login is done once per user.
      if (profile.type === 'contract' || profile.type === 'jwt') return login(user);
      const key = `${user.role}\u0000${user.userId}`;
      let credentials = kept.get(key);
      if (!credentials) {
        credentials = login(user);
        // A failed login is not kept: the next attempt tries again.
        credentials.catch(() => kept.delete(key));
        kept.set(key, credentials);
        if (kept.size > KEPT_LOGINS_MAX) kept.delete(kept.keys().next().value as string);
      }
      return credentials;
    },
    handshake(credentials) {
      const out: HandshakeCredentials = { auth: {}, query: {}, extraHeaders: { ...credentials.headers } };
      const cookies = { ...credentials.cookies };
      if (credentials.token !== undefined) {
        if (handshakeAt.in === 'auth') out.auth[handshakeAt.name ?? 'token'] = credentials.token;
        else if (handshakeAt.in === 'query') out.query[handshakeAt.name ?? 'token'] = credentials.token;
        else if (handshakeAt.in === 'header') out.extraHeaders[(handshakeAt.name ?? 'authorization').toLowerCase()] = `${handshakeAt.prefix ?? (handshakeAt.name ? '' : 'Bearer ')}${credentials.token}`;
        else cookies[handshakeAt.name] = credentials.token;
      }
      const cookie = cookieHeader(cookies);
      if (cookie) out.extraHeaders.cookie = cookie;
      return out;
    },
    http(credentials) {
      const headers: Record<string, string> = { ...credentials.headers };
      const query: Record<string, string> = {};
      const cookies = { ...credentials.cookies };
      if (credentials.token !== undefined) {
        if (httpAt.in === 'header') headers[(httpAt.name ?? 'authorization').toLowerCase()] = `${httpAt.prefix ?? (httpAt.name ? '' : 'Bearer ')}${credentials.token}`;
        else if (httpAt.in === 'query') query[httpAt.name ?? 'token'] = credentials.token;
        else cookies[httpAt.name] = credentials.token;
      }
      const cookie = cookieHeader(cookies);
      if (cookie) headers.cookie = cookie;
      return { headers, query };
    },
    tokenProvider: async (userId, role) => (await identity.credentials({ userId, role })).token ?? '',
  };
  return identity;
}
