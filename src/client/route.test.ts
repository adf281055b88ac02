import { describe, expect, it } from 'vitest';
import { routeOf } from './route.ts';

describe('routeOf', () => {
  it.each([
    ['get', '/api/conversations', 'GET /api/conversations'],
    ['POST', '/api/conversations/42/messages', 'POST /api/conversations/:id/messages'],
    ['GET', '/api/conversations/c-8f3a2b91/messages?after=3', 'GET /api/conversations/:id/messages'],
    ['PATCH', '/users/0b4e7a0e-5b2f-4c1e-9d7a-3f2e1c0d9b8a', 'PATCH /users/:id'],
    ['GET', '/api/v1/orders/65a1f0c2e4b0a1b2c3d4e5f6', 'GET /api/v1/orders/:id'],
    ['POST', '/auth/2fa', 'POST /auth/2fa'],
    ['GET', '/', 'GET /'],
    ['GET', '', 'GET /'],
    ['GET', '/search#top', 'GET /search'],
  ])('%s %s is %s', (method, path, route) => {
    expect(routeOf(method, path)).toBe(route);
  });
});
