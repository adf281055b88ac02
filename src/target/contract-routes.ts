import type { OperationInputs, OperationName } from './types.ts';

/** A contract HTTP call read as the operation it is, so a profile can map it its own way. */
export interface RoutedOperation {
  name: OperationName;
  input: OperationInputs[OperationName];
  /** The status the contract answers it with on success (checks compare with it). */
  okStatus: number;
}

/**
 * Which contract operation an HTTP call of the contract's API is (docs/contract.md §3), or
 * undefined for any other call: `PATCH /api/listings/l1 {price: 5}` → `listing:changePrice`.
 */
export function contractRoute(method: string, path: string, body: unknown): RoutedOperation | undefined {
  const url = new URL(path, 'http://x');
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const verb = method.toUpperCase();
  let m: RegExpExecArray | null;
  if (verb === 'GET' && (m = /^\/api\/bookings\/([^/]+)\/messages$/.exec(url.pathname))) {
    return { name: 'booking:history', input: { bookingId: decodeURIComponent(m[1]!), afterSeq: Number(url.searchParams.get('after') ?? 0) }, okStatus: 200 };
  }
  if (verb === 'PATCH' && (m = /^\/api\/listings\/([^/]+)$/.exec(url.pathname))) {
    return { name: 'listing:changePrice', input: { listingId: decodeURIComponent(m[1]!), price: fields.price as number }, okStatus: 200 };
  }
  if (verb === 'POST' && url.pathname === '/api/bookings') {
    return { name: 'booking:create', input: { listingId: fields.listingId as string }, okStatus: 201 };
  }
  if (verb === 'POST' && (m = /^\/api\/bookings\/([^/]+)\/transition$/.exec(url.pathname))) {
    return { name: 'booking:transition', input: { bookingId: decodeURIComponent(m[1]!), to: fields.to as string }, okStatus: 200 };
  }
  return undefined;
}
