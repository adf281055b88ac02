import { rooms } from '../../src/contract/index.ts';
import { createBookingNotifying } from './booking-notices.ts';
import type { DefectOverrides } from './defect.ts';

/**
 * A variant is the opposite of a defect: a server that behaves differently from the reference
 * server where the contract leaves the choice open, and is still correct. Checks must pass on
 * every variant (a false alarm is a defect of the check). Loaded only with the `variant` option.
 */
export interface Variant {
  name: string;
  /** One line: what this server does differently, and why the contract allows it. */
  description: string;
  overrides(): DefectOverrides;
}

export const VARIANTS: readonly Variant[] = [
  {
    name: 'notify-buyer',
    description:
      'POST /api/bookings also notifies the buyer, through user:{buyerId}, with the very payload the seller gets: the contract says who must be notified, not that nobody else may be',
    overrides: () => ({ http: { createBooking: createBookingNotifying((booking) => [rooms.user(booking.buyerId)]) } }),
  },
];

export function findVariant(name: string): Variant {
  const variant = VARIANTS.find((v) => v.name === name);
  if (!variant) throw new Error(`unknown variant "${name}"; known variants: ${VARIANTS.map((v) => v.name).join(', ')}`);
  return variant;
}
