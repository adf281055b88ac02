/* The bench's server: a minimal Socket.IO server shaped like the reference server, doing as
 * little as possible so that the clients are what gets measured. It accepts any token (no auth)
 * and answers the one contract event the bench drives, `listing:watch`, with `{ ok: true }`
 * (plus an `echo` that acks its payload).
 *
 * Run as its own process by bench/run.ts: it listens on 127.0.0.1, port 0 unless --port, and
 * prints one JSON line `{"port":N}` on stdout once listening. SIGTERM/SIGINT close it. */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

const http = createServer();
const io = new Server(http, {
  // Only the WebSocket transport is used by both clients; polling stays on as in a real server.
  transports: ['polling', 'websocket'],
  perMessageDeflate: false,
  serveClient: false,
});

let acks = 0;
const seqs = new Map<string, number>();
io.on('connection', (socket) => {
  socket.on('listing:watch', (_listingId: unknown, ack?: (answer: { ok: true }) => void) => {
    acks++;
    if (typeof ack === 'function') ack({ ok: true });
  });
  // For the checked-vs-unchecked case (bench/checked-client.ts): a room to join and a message fanned
  // out to it, so that every round trip brings one event for the online checks to judge.
  socket.on('booking:join', (bookingId: unknown, ack?: (answer: { ok: true }) => void) => {
    if (typeof bookingId === 'string') socket.join(`booking:${bookingId}`);
    if (typeof ack === 'function') ack({ ok: true });
  });
  socket.on('message:send', (input: { bookingId?: unknown; body?: unknown; clientMsgId?: unknown }, ack?: (answer: unknown) => void) => {
    acks++;
    const bookingId = String(input?.bookingId);
    const seq = (seqs.get(bookingId) ?? 0) + 1;
    seqs.set(bookingId, seq);
    const message = { id: `m${seq}-${bookingId}`, bookingId, seq, senderId: 'bench', body: input?.body, clientMsgId: input?.clientMsgId, createdAt: Date.now() };
    io.to(`booking:${bookingId}`).emit('message:new', message);
    if (typeof ack === 'function') ack({ ok: true, message });
  });
  socket.on('echo', (payload: unknown, ack?: (payload: unknown) => void) => {
    acks++;
    if (typeof ack === 'function') ack(payload);
  });
});

http.listen(Number(values.port), '127.0.0.1', () => {
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
});

// bench/run.ts asks for the server's own counters between phases (server CPU per round trip).
process.on('message', (message) => {
  if (message === 'gc') {
    // Between phases: the garbage of the last phase's sockets should not be collected in the next.
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.('gc-done');
  } else if (message === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({ acks, cpuUs: cpu.user + cpu.system, connections: io.engine.clientsCount, rss: process.memoryUsage().rss });
  }
});

const close = () => {
  io.close();
  http.close();
  // Idle sockets of a killed client would otherwise hold the process for a ping timeout.
  setTimeout(() => process.exit(0), 500).unref();
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
