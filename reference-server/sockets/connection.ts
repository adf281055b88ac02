import { ackError, LIMITS, rooms, type SessionPayload } from '../../src/contract/index.ts';
import { touchPresence } from '../domain/presence.ts';
import { createRateLimiter } from './rate-limiter.ts';
import { registerBookingHandlers } from './bookings.ts';
import type { BazaarSocket, HandlerHost } from './define-handler.ts';
import { registerListingHandlers } from './listings.ts';
import { registerMessageHandlers, registerReadHandlers, registerTypingHandlers } from './messages.ts';
import { registerPresenceHandlers } from './presence.ts';
import type { DefectOverrides, Domain, Register } from '../defects/defect.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;


/** Every domain registers its events the same way. */
export const DEFAULT_REGISTRATIONS: Record<Domain, Register> = {
  listings: registerListingHandlers,
  bookings: registerBookingHandlers,
  messages: registerMessageHandlers,
  typing: registerTypingHandlers,
  reads: registerReadHandlers,
  presence: registerPresenceHandlers,
};

/** A socket does not outlive its token (contract §2.1). */
function disconnectAtExpiry(socket: BazaarSocket, expiresAtMs: number, nowMs: () => number): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const remainingMs = expiresAtMs - nowMs();
    if (remainingMs <= 0) {
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(arm, Math.min(remainingMs, MAX_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

export function createConnectionHandler(host: HandlerHost, defect: DefectOverrides = {}) {
  const { ctx, metrics } = host;
  const registrations = Object.values({ ...DEFAULT_REGISTRATIONS, ...defect.registrations });
  return function onConnection(socket: BazaarSocket): void {
    const { user, expiresAtMs } = socket.data;
    metrics.connected.inc();
    socket.join(rooms.user(user.userId));

    const eventsPerSec = defect.limits?.eventsPerSec ?? LIMITS.eventsPerSec;
    socket.data.maxRooms = defect.limits?.maxRoomsPerSocket ?? LIMITS.maxRoomsPerSocket;
    const limiter = createRateLimiter(
      { ratePerSec: eventsPerSec, burst: defect.limits?.eventBurst ?? LIMITS.eventBurst, sustainedMs: LIMITS.sustainedLimitDisconnectMs },
      ctx.nowMs(),
    );
    socket.use((packet, next) => {
      metrics.countIn(packet[0]);
      const verdict = limiter.take(ctx.nowMs());
      const ack = packet[packet.length - 1];
      if (verdict === 'ok') return next();
      if (typeof ack === 'function') ack(ackError('rate_limited', `more than ${eventsPerSec} events/s; slow down`));
      if (verdict === 'disconnect') {
        ctx.log.warn({ userId: user.userId }, 'socket kept exceeding the event rate limit; disconnecting');
        socket.disconnect(true);
      }
    });

    const cancelExpiry = defect.keepSocketsPastExpiry ? () => {} : disconnectAtExpiry(socket, expiresAtMs, ctx.nowMs);
    for (const register of registrations) register(host, socket);
    defect.watchConnection?.(socket);

    socket.on('disconnect', (reason) => {
      cancelExpiry();
      metrics.connected.dec();
      // A socket the server closed on purpose says why (a slow consumer), not Engine.IO's 'forced close'.
      metrics.countDisconnect((socket.data as { closedAs?: string } | undefined)?.closedAs ?? reason);
      defect.onDisconnect?.(ctx, socket, reason);
    });

    const session: SessionPayload = {
      userId: user.userId,
      role: user.role,
      presence: {
        ttlMs: ctx.presenceSettings.ttlMs,
        heartbeatMs: ctx.presenceSettings.heartbeatMs,
        sweepMs: ctx.presenceSettings.sweepMs,
      },
    };
    socket.emit('session', session);
    metrics.countOut('session');
    touchPresence(ctx, user).catch((error: unknown) => ctx.log.error({ err: error }, 'presence on connect failed'));
  };
}
