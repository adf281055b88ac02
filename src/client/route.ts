/**
 * The route label of an HTTP call, for the `http{route}` metric: `METHOD path` without the query
 * string, with each path segment that looks like an id replaced by `:id`, so that
 * `GET /api/conversations/c-8f3a2b91/messages?after=3` and the same call for another
 * conversation share one series. A segment is an id when it is all digits, a UUID, or at least
 * 8 characters with a digit in it (`c-8f3a2b91`, a Mongo ObjectId, `b1-lx3k9a`); short
 * versioned words such as `v1` or `2fa` stay.
 */
export function routeOf(method: string, path: string): string {
  const bare = path.split(/[?#]/, 1)[0] ?? '';
  const segments = bare.split('/').map((segment) => (looksLikeId(segment) ? ':id' : segment));
  return `${method.toUpperCase()} ${segments.join('/') || '/'}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function looksLikeId(segment: string): boolean {
  if (segment === '') return false;
  if (/^\d+$/.test(segment) || UUID.test(segment)) return true;
  return segment.length >= 8 && /\d/.test(segment);
}
