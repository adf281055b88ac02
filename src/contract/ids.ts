/** Every id in the contract (users, listings, bookings, messages, clientMsgIds) has this shape. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** Message bodies: 1..4000 characters after trimming. */
export const BODY_MAX_CHARS = 4000;

export function isBody(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const trimmed = value.trim();
  return trimmed.length >= 1 && trimmed.length <= BODY_MAX_CHARS;
}
