/* Polling clients behind a round-robin entry with no stickiness: the handshake lands on one
 * node, the next request of the same session on another, which answers HTTP 400
 * {"code":1,"message":"Session ID unknown"}. Fix: a sticky entry (@socket.io/sticky). */
import { defineScenario } from '../../scenario/index.ts';
import { runCounter, runCounterBy, runTrendCount } from './figures.ts';
import type { ReproEntry } from './types.ts';

/** Handshakes started per second at scale 1. */
const RATE_PER_SEC = 20;

export const stickyMissing: ReproEntry = {
  name: 'sticky-missing',
  summary: "polling behind a round-robin entry: 'Session ID unknown' (HTTP 400), failed handshakes; fix: sticky entry",
  needs: ['redis'],
  confidence: 'documented',
  links: [
    'https://socket.io/docs/v4/using-multiple-nodes/',
    'https://socket.io/docs/v4/troubleshooting-connection-issues/',
    'https://github.com/socketio/socket.io/issues/3009',
    'https://github.com/socketio/socket.io/issues/4881',
    'https://github.com/socketio/socket.io/issues/1739',
  ],
  defaultSize: { scale: 1, durationMs: 20_000 },
  bug: { label: 'round-robin entry, no stickiness', topology: { nodes: 3, adapter: 'redis', lb: 'none' } },
  fix: { label: 'sticky entry (@socket.io/sticky)', topology: { nodes: 3, adapter: 'redis', lb: 'sticky' } },
  load(size) {
    // Every iteration is a fresh session: connect over long-polling, join, send, leave.
    const vus = Math.max(2, Math.ceil(RATE_PER_SEC * size.scale * 2));
    return {
      transport: 'polling',
      scenario: defineScenario({
        name: 'repro-sticky-missing',
        world: { sellers: 2, listingsPerSeller: Math.ceil(vus / 2), bookings: vus },
        options: { connectTimeout: '5s', ackTimeout: '5s', gracefulStop: '5s' },
        executor: {
          type: 'constant-arrival-rate',
          rate: Math.max(1, Math.round(RATE_PER_SEC * size.scale)),
          duration: `${size.durationMs}ms`,
          preAllocatedVUs: vus,
          maxVUs: vus,
        },
        async iteration({ buyer, booking }) {
          if (!(await buyer.connect())) return;
          await buyer.join(booking!);
          await buyer.send(booking!, 'still available?');
          buyer.disconnect();
        },
      }),
    };
  },
  signature: {
    describe: "servers refusing requests with Engine.IO code 1 'Session ID unknown', and handshakes that fail on the client",
    detect({ run, server }) {
      const sessionUnknown = server?.connectionErrors['1 Session ID unknown'] ?? 0;
      const attempts = runTrendCount(run, 'connect');
      const failed = runCounter(run, 'connect_errors');
      const byMessage = runCounterBy(run, 'connect_errors', 'message');
      const succeeded = attempts - failed;
      return {
        present: sessionUnknown > 0,
        summary: sessionUnknown > 0
          ? `${sessionUnknown} requests refused with 'Session ID unknown'; ${failed} of ${attempts} handshakes failed`
          : `no 'Session ID unknown'; ${failed} of ${attempts} handshakes failed`,
        figures: {
          "server refusals 'Session ID unknown' (code 1)": sessionUnknown,
          'handshakes attempted': attempts,
          'handshakes failed': failed,
          'client errors': Object.entries(byMessage).map(([m, n]) => `${m} ×${n}`).join(', ') || 'none',
          'handshakes per connected session': succeeded > 0 ? round(attempts / succeeded, 2) : 'none connected',
        },
      };
    },
  },
};

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
