import type { ClockSkew } from './types.ts';

/**
 * The target's clock against ours, from one HTTP answer's `Date` header (RFC 9110: whole
 * seconds, truncated). The server read its clock somewhere between our send and our receipt,
 * and its clock then lay within [header, header + 1 s): the skew is the midpoint of what that
 * allows, and the uncertainty half its width. Undefined when there is no usable header.
 */
export function clockSkewFromDateHeader(dateHeader: string | null | undefined, sentAtMs: number, receivedAtMs: number): ClockSkew | undefined {
  if (!dateHeader) return undefined;
  const serverSecondMs = Date.parse(dateHeader);
  if (!Number.isFinite(serverSecondMs)) return undefined;
  const lowestMs = serverSecondMs - receivedAtMs;
  const highestMs = serverSecondMs + 1_000 - sentAtMs;
  return { skewMs: Math.round((lowestMs + highestMs) / 2), uncertaintyMs: Math.ceil((highestMs - lowestMs) / 2) };
}
