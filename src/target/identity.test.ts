import { describe, expect, it } from 'vitest';
import { verifyToken } from '../contract/index.ts';
import { createIdentity } from './identity.ts';

describe('identity placement', () => {
  const url = 'http://127.0.0.1:1';
  it('puts a token in the handshake auth and as a bearer header by default', () => {
    const identity = createIdentity({ type: 'jwt', secret: 's' }, url);
    expect(identity.handshake({ token: 't' })).toEqual({ auth: { token: 't' }, query: {}, extraHeaders: {} });
    expect(identity.http({ token: 't' })).toEqual({ headers: { authorization: 'Bearer t' }, query: {} });
  });

  it.each([
    [{ in: 'query', name: 'access_token' } as const, { auth: {}, query: { access_token: 't' }, extraHeaders: {} }],
    [{ in: 'header', name: 'X-Token' } as const, { auth: {}, query: {}, extraHeaders: { 'x-token': 't' } }],
    [{ in: 'cookie', name: 'jwt' } as const, { auth: {}, query: {}, extraHeaders: { cookie: 'jwt=t' } }],
    [{ in: 'auth', name: 'accessToken' } as const, { auth: { accessToken: 't' }, query: {}, extraHeaders: {} }],
  ])('places a token on the handshake as %j', (handshake, expected) => {
    const identity = createIdentity({ type: 'jwt', secret: 's', placement: { handshake } }, url);
    expect(identity.handshake({ token: 't' })).toEqual(expected);
  });

  it('sends cookies and extra headers (a CSRF token) on both the handshake and HTTP calls', () => {
    const identity = createIdentity({ type: 'custom', login: async () => ({}), placement: { http: { in: 'query', name: 'tok' } } }, url);
    const credentials = { token: 't', cookies: { sid: 'a', theme: 'b' }, headers: { 'x-csrf': 'c' } };
    expect(identity.handshake(credentials).extraHeaders).toEqual({ 'x-csrf': 'c', cookie: 'sid=a; theme=b' });
    expect(identity.http(credentials)).toEqual({ headers: { 'x-csrf': 'c', cookie: 'sid=a; theme=b' }, query: { tok: 't' } });
  });

  it('mints a JWT with the app\'s claim names', async () => {
    const identity = createIdentity({ type: 'jwt', secret: 'sekrit', claims: { userId: 'uid', role: 'kind', extra: { aud: 'chat' } } }, url);
    const { token } = await identity.credentials({ userId: 'u1', role: 'seller' });
    const claims = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ uid: 'u1', kind: 'seller', aud: 'chat' });
    expect(claims.sub).toBeUndefined();
    // Signed as the contract's tokens are (HS256): the contract's verifier accepts its signature.
    const contractToken = await createIdentity({ type: 'jwt', secret: 'sekrit' }, url).credentials({ userId: 'u1', role: 'buyer' });
    expect(verifyToken(contractToken.token, 'sekrit')).toMatchObject({ ok: true, claims: { sub: 'u1', role: 'buyer' } });
  });
});
