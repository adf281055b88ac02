import { defineTarget } from './define-target.ts';

/**
 * The contract's own dialect (docs/contract.md) as a profile: the default, so the reference
 * server (and any server that follows the contract) needs none. Its identity is the contract's
 * HS256 token from --jwt-secret or --token-module; its events, payloads, acks, routes and
 * records are the contract's, spoken natively by the clients (no translation on the hot path),
 * and it claims every capability.
 */
export const CONTRACT_PROFILE = defineTarget({
  name: 'contract',
  identity: { type: 'contract' },
  world: {
    listing: {
      request: (l) => ({ method: 'POST', path: '/api/listings', body: { title: l.title, price: l.price, private: l.private } }),
      result: (res) => res.body,
      okStatus: [201],
    },
    booking: {
      request: (b) => ({ method: 'POST', path: '/api/bookings', body: { listingId: b.listing.id } }),
      result: (res) => res.body,
      okStatus: [201],
    },
  },
  operations: {},
  pushes: {},
  session: 'none',
});

export const isContractProfile = (profile: { identity: { type: string } }): boolean => profile.identity.type === 'contract';
