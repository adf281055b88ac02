/**
 * The authorization violation kinds (src/checks/online/authz-checks.ts): `authz-leak`, an event
 * of a room reached a socket not entitled to it, or a forbidden join was answered ok;
 * `authz-write`, a write by a non-party was accepted or reached anyone.
 */
export const AUTHZ_VIOLATION_KINDS = ['authz-leak', 'authz-write'] as const;
