/* The stock adapter fan-out on 3 nodes: each node delivers its own broadcasts at once and the
 * others' after a Redis round trip, so two senders in one booking on different nodes are seen
 * in different orders by different members. Fix: the ordered fan-out (docs/scaling.md). */
import type { ReproEntry } from './types.ts';

export const crossNodeReorder: ReproEntry = {
  name: 'cross-node-reorder',
  summary: 'stock adapter fan-out on 3 nodes: chat messages out of order; fix: ordered fan-out',
  needs: ['redis'],
  confidence: 'documented',
  links: [
    'https://socket.io/docs/v4/redis-adapter/',
    'https://github.com/socketio/socket.io-postgres-adapter/issues/12',
    'https://github.com/socketio/socket.io/issues/4734',
  ],
  defaultSize: { scale: 1, durationMs: 20_000 },
  bug: { label: 'stock io.to(room).emit over the classic adapter', topology: { nodes: 3, adapter: 'redis', lb: 'sticky', fanout: 'adapter' } },
  fix: { label: 'one sequence per booking, published in order', topology: { nodes: 3, adapter: 'redis', lb: 'sticky', fanout: 'ordered' } },
  load: (size) => ({ scenario: 'booking-chat', scale: size.scale, durationMs: size.durationMs }),
  signature: {
    describe: 'order violations: a socket receives a booking\'s message seq after a later one',
    detect({ run }) {
      const order = run.violations.counts.order ?? 0;
      const first = run.violations.evidence.find((v) => v.kind === 'order');
      const messages = run.metrics.counters.filter((c) => c.name === 'iterations').reduce((sum, c) => sum + c.value, 0);
      return {
        present: order > 0,
        summary: order > 0 ? `${order} order violations over ${messages} exchanges` : `no order violations over ${messages} exchanges`,
        figures: {
          'order violations': order,
          'violations of other kinds': run.violations.total - order,
          exchanges: messages,
          ...(first ? { 'first evidence': `${first.user} in ${first.room}: expected ${first.expected}, got ${first.observed}` } : {}),
        },
      };
    },
  },
};
