import type { IncomingMessage } from 'node:http';
import type { BazaarSocket } from '../sockets/define-handler.ts';
import type { Defect } from './defect.ts';

/*
 * Security bugs (docs/security.md): code of the app's own, sitting where the Socket.IO stack's
 * known advisories lived, that falls to the same shapes; and limits the server should keep but
 * a developer plausibly removed or forgot. Well-formed traffic behaves exactly as the real server's.
 */

/** Hosts this deployment answers for (DNS rebinding protection); the port is whatever it listens on. */
const ALLOWED_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Refuses requests for other hosts: reads the Host header as if every request had one. */
function allowKnownHosts(req: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void): void {
  const host = req.headers.host!.split(':')[0]!.toLowerCase();
  callback(ALLOWED_HOSTS.has(host) ? null : 'unknown host', ALLOWED_HOSTS.has(host));
}

/** Counts binary uploads per event for the dashboard, reading the packet header itself. */
function countBinaryEvents(socket: BazaarSocket): void {
  const counts = new Map<string, number>();
  socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
    if (packet.type !== 'message' || typeof packet.data !== 'string' || !packet.data.startsWith('5')) return;
    const body = packet.data.slice(packet.data.indexOf('-') + 1);
    const start = body.indexOf('[');
    const [event] = JSON.parse(body.slice(start)) as [string];
    const key = event.toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
}

export const securityDefects: Defect[] = [
  {
    name: 'host-check-assumes-header',
    group: 'security',
    description: 'an allowRequest hook (DNS rebinding protection) reads req.headers.host.split(":") as if every request had a Host header: a request without one (HTTP/1.0, or more headers than Node keeps) throws and kills the process',
    overrides: () => ({ allowRequest: allowKnownHosts }),
  },
  {
    name: 'binary-event-metrics',
    group: 'security',
    description: 'a socket.conn "packet" listener parses binary event packets itself to count uploads per event, calling event.toLowerCase() on whatever the first element is: a binary packet whose event name is not a string throws outside any handler and kills the process',
    overrides: () => ({ watchConnection: countBinaryEvents }),
  },
];
