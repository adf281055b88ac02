import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signRawToken, signToken } from '../../src/contract/index.ts';
import { closeAllClients, connectClient } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterEach(() => closeAllClients());
afterAll(() => world.close());

const nowS = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('handshake authentication (contract §2.1)', () => {
  const secret = 'test-secret';
  const good = { sub: 'u1', role: 'buyer', iat: nowS(), exp: nowS() + 600 };
  const rejected: [string, unknown][] = [
    ['no token', undefined],
    ['a non-string token', 12345],
    ['an object token', { token: 'x' }],
    ['a malformed token', 'not-a-jwt'],
    ['a token with a wrong signature', signRawToken({ alg: 'HS256', typ: 'JWT' }, good, 'other-secret')],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(good)}.`],
    ['alg none with the right signature part', signRawToken({ alg: 'none' }, good, secret)],
    ['another algorithm (HS512 header)', signRawToken({ alg: 'HS512', typ: 'JWT' }, good, secret)],
    ['an expired token', signRawToken({ alg: 'HS256' }, { ...good, exp: nowS() - 5 }, secret)],
    ['a token without sub', signRawToken({ alg: 'HS256' }, { role: 'buyer', exp: nowS() + 600 }, secret)],
    ['a token without role', signRawToken({ alg: 'HS256' }, { sub: 'u1', exp: nowS() + 600 }, secret)],
    ['a token without exp', signRawToken({ alg: 'HS256' }, { sub: 'u1', role: 'buyer' }, secret)],
    ['an unknown role', signRawToken({ alg: 'HS256' }, { ...good, role: 'superuser' }, secret)],
    ['a sub that is not an id', signRawToken({ alg: 'HS256' }, { ...good, sub: 'user:1' }, secret)],
  ];

  it.each(rejected)('rejects %s with connect_error "unauthorized"', async (_name, token) => {
    const auth = token === undefined ? {} : { token };
    await expect(connectClient(world.url, { auth })).rejects.toThrow(/^unauthorized$/);
  });

  it('does not accept a token in the query string', async () => {
    const token = world.token('u1', 'buyer');
    await expect(connectClient(world.url, { query: { token } })).rejects.toThrow(/^unauthorized$/);
  });

  it('accepts a valid token and sends session with the presence settings', async () => {
    const client = await world.connect('u1', 'buyer');
    const session = await client.waitFor('session');
    expect(session).toMatchObject({ userId: 'u1', role: 'buyer', presence: { ttlMs: 60_000 } });
    expect(session.presence.heartbeatMs).toBeGreaterThan(0);
  });

  it('disconnects the socket when its token expires, and a fresh token connects again', async () => {
    const token = signToken({ sub: 'u-exp', role: 'buyer', secret, ttlMs: 1_500 });
    const client = await connectClient(world.url, { auth: { token } });
    const reason = await new Promise<string>((resolve) => client.socket.on('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
    const again = await world.connect('u-exp', 'buyer');
    expect(again.socket.connected).toBe(true);
  });
});

describe('HTTP authentication', () => {
  const body = { title: 't', price: 1 };
  it.each([
    ['no Authorization header', undefined],
    ['a wrong signature', signRawToken({ alg: 'HS256' }, { sub: 's1', role: 'seller', exp: nowS() + 60 }, 'nope')],
    ['an expired token', signRawToken({ alg: 'HS256' }, { sub: 's1', role: 'seller', exp: nowS() - 1 }, 'test-secret')],
    ['alg none', `${b64({ alg: 'none' })}.${b64({ sub: 's1', role: 'seller', exp: nowS() + 60 })}.`],
  ])('answers 401 unauthorized for %s', async (_name, token) => {
    const res = await world.http('POST', '/api/listings', { token: token as string | undefined, body });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('answers 401 for a token given as a query parameter', async () => {
    const token = world.token('s1', 'seller');
    const res = await world.http('POST', `/api/listings?token=${token}`, { body });
    expect(res.status).toBe(401);
  });

  it('serves /healthz to anyone', async () => {
    const res = await world.http('GET', '/healthz');
    expect(res.status).toBe(200);
  });
});
