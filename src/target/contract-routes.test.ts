import { describe, expect, it } from 'vitest';
import { contractRoute } from './contract-routes.ts';

describe('contractRoute', () => {
  it.each([
    ['GET', '/api/bookings/b1/messages?after=3', undefined, { name: 'booking:history', input: { bookingId: 'b1', afterSeq: 3 }, okStatus: 200 }],
    ['GET', '/api/bookings/b1/messages', undefined, { name: 'booking:history', input: { bookingId: 'b1', afterSeq: 0 }, okStatus: 200 }],
    ['PATCH', '/api/listings/l1', { price: 5 }, { name: 'listing:changePrice', input: { listingId: 'l1', price: 5 }, okStatus: 200 }],
    ['POST', '/api/bookings', { listingId: 'l1' }, { name: 'booking:create', input: { listingId: 'l1' }, okStatus: 201 }],
    ['post', '/api/bookings/b1/transition', { to: 'accepted' }, { name: 'booking:transition', input: { bookingId: 'b1', to: 'accepted' }, okStatus: 200 }],
  ])('%s %s is an operation', (method, path, body, expected) => {
    expect(contractRoute(method, path, body)).toEqual(expected);
  });

  it.each([['GET', '/healthz'], ['POST', '/api/listings'], ['DELETE', '/api/bookings/b1']])('%s %s is none', (method, path) => {
    expect(contractRoute(method, path, undefined)).toBeUndefined();
  });
});
