import { isId, rooms, type PresenceChangedPayload } from '../../src/contract/index.ts';
import { authorizePresenceRoom } from '../authz.ts';
import type { Principal, ServerContext } from '../context.ts';
import { fail, ok, type Result } from '../result.ts';

export function announcePresence(ctx: ServerContext, userId: string, online: boolean): void {
  const payload: PresenceChangedPayload = { userId, online, at: ctx.nowMs() };
  ctx.fanout.emit(rooms.presence(userId), 'presence:changed', payload);
}

/** On connect and on every heartbeat: refresh the TTL; announce only a real change. */
export async function touchPresence(ctx: ServerContext, user: Principal): Promise<void> {
  const { cameOnline } = await ctx.presence.touch(user.userId, ctx.presenceSettings.ttlMs, ctx.nowMs());
  if (cameOnline) announcePresence(ctx, user.userId, true);
}

/** Announce every lapsed presence offline, once each. Disconnects never get here. */
export async function sweepPresence(ctx: ServerContext): Promise<number> {
  const lapsed = await ctx.presence.takeLapsed(ctx.nowMs());
  for (const userId of lapsed) announcePresence(ctx, userId, false);
  return lapsed.length;
}

export async function watchPresence(
  ctx: ServerContext,
  user: Principal,
  userId: unknown,
): Promise<Result<{ userId: string; online: boolean }>> {
  if (!isId(userId)) return fail('bad_request', 'userId must be a valid id');
  const access = await authorizePresenceRoom(ctx, user, userId);
  if (!access.ok) return access;
  return ok({ userId, online: await ctx.presence.isOnline(userId) });
}
