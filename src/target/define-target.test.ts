import { describe, expect, it } from 'vitest';
import { defineTarget } from './define-target.ts';
import type { TargetProfile } from './types.ts';

const valid: TargetProfile = {
  name: 'chat',
  identity: { type: 'login', request: (u) => ({ method: 'POST', path: '/login', body: { user: u.userId } }), cookie: 'sid' },
  world: { booking: { request: () => ({ method: 'POST', path: '/c' }), result: (res) => ({ id: res.body.id }) } },
  operations: { 'booking:join': { event: 'join', outcome: { reply: 'joined', match: () => true } } },
  pushes: { 'message:new': { event: 'msg', read: (m) => ({ bookingId: m.room }) } },
  capabilities: { ownEcho: true },
};

describe('defineTarget', () => {
  it('returns a valid profile as it is', () => {
    expect(defineTarget(valid)).toBe(valid);
  });

  it.each([
    ['no name', { ...valid, name: '' }, /name is missing/],
    ['a url that is not http', { ...valid, url: 'localhost:3000' }, /url "localhost:3000" is not an http/],
    ['an unknown identity', { ...valid, identity: { type: 'oauth' } }, /identity.type is "oauth"/],
    ['a jwt without a secret', { ...valid, identity: { type: 'jwt' } }, /identity.secret is missing/],
    ['a jwt of another algorithm', { ...valid, identity: { type: 'jwt', secret: 's', algorithm: 'RS256' } }, /RS256" is not supported/],
    ['a login that keeps nothing', { ...valid, identity: { type: 'login', request: () => ({ method: 'POST', path: '/l' }) } }, /keeps nothing from the login/],
    ['no booking step', { ...valid, world: {} }, /world.booking is undefined/],
    ['empty fixtures', { ...valid, world: { booking: { fixed: [] } } }, /fixed must be a non-empty array/],
    ['an unknown operation', { ...valid, operations: { 'chat:send': { event: 'x' } } }, /unknown operation "chat:send"/],
    ['an operation with neither event nor http', { ...valid, operations: { 'message:send': {} } }, /has neither event nor http/],
    ['an outcome of no known shape', { ...valid, operations: { 'message:send': { event: 'x', outcome: { ok: true } } } }, /outcome is not one/],
    ['an unknown push', { ...valid, pushes: { 'chat:new': { event: 'x', read: () => ({}) } } }, /unknown push "chat:new"/],
    ['a push without read', { ...valid, pushes: { 'message:new': { event: 'x' } } }, /needs event and read/],
    ['an unknown capability', { ...valid, capabilities: { ordering: true, magic: true } }, /unknown capability "magic"/],
    ['a capability that is not a boolean', { ...valid, capabilities: { ordering: 'yes' } }, /capabilities.ordering is "yes"/],
    ['a session of no known shape', { ...valid, session: 'hello' }, /session must be/],
    ['security namespaces without a slash', { ...valid, security: { namespaces: ['admin'] } }, /security.namespaces is \["admin"\]/],
  ])('refuses %s, naming the field', (_, profile, message) => {
    expect(() => defineTarget(profile as TargetProfile)).toThrow(message);
  });
});

describe('profile types', () => {
  it('take an answer that carries only some of a message\'s fields, without casts (checked by tsc)', () => {
    // A Node-style ack that tells only the new id; history with no order key: both type-check as they are.
    const typed = defineTarget({
      ...valid,
      operations: {
        'message:send': {
          event: 'say',
          outcome: { ack: (input, error: string | null, id: string) => (error ? { ok: false, error: { code: 'refused', message: error } } : { ok: true, message: { id, bookingId: input.bookingId, body: input.body } }) },
        },
        'booking:history': {
          http: (input) => ({ method: 'GET', path: `/rooms/${input.bookingId}` }),
          result: (res) => ({ ok: true, messages: (res.body.items as { id: string; text: string }[]).map((m) => ({ id: m.id, body: m.text })) }),
        },
      },
    });
    expect(Object.keys(typed.operations)).toEqual(['message:send', 'booking:history']);
  });
});
