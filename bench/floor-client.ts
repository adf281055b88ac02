/* The floor: the least a Node client can do per acked round trip. A raw `ws` WebSocket speaking
 * Engine.IO v4 / Socket.IO v5 framing by hand, no library above it, no timeout, no metrics:
 *
 *   server '0{"sid":…}'        engine OPEN        client '40'                    SIO CONNECT "/"
 *   server '40{"sid":…}'       SIO CONNECT ok     client '42<id>["listing:watch","l1"]'
 *   server '43<id>[{"ok":true}]' SIO ACK          server '2' ping → client '3' pong
 *
 * Same event and payload as bazaar's VirtualUser.watch(), so the server does identical work. */
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import type { BenchClient, BenchUser } from './workload.ts';

const CHAR_0 = 48;
const CHAR_9 = 57;

export function createFloorClient(url: string, listingId: string): BenchClient {
  const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  // The payload is serialized on every emit, as any client sending data must; only the constant event name is kept as a literal.
  return {
    name: 'floor',
    describe: `raw ws@${wsVersion()} with hand-written EIO4/SIO5 framing`,
    createUser: () => createFloorUser(wsUrl, listingId),
  };
}

function createFloorUser(wsUrl: string, listingId: string): BenchUser {
  let ws: WebSocket | undefined;
  let nextId = 0;
  let closing = false;
  // One round trip in flight per user, but a Map keeps it honest if that ever changes.
  const pending = new Map<number, (ok: boolean) => void>();

  return {
    connect() {
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        const settle = (error?: Error) => {
          if (settled) return;
          settled = true;
          if (error) reject(error);
          else resolve();
        };
        const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
        ws = socket;
        socket.on('message', (data: Buffer) => {
          const text = data.toString();
          switch (text.charCodeAt(0)) {
            case 50: // '2' ping
              socket.send('3');
              return;
            case 48: // '0' engine open: connect the default namespace
              socket.send('40');
              return;
            case 49: // '1' engine close
              socket.close();
              return;
            case 52: {
              // '4' engine message carrying a Socket.IO packet
              const type = text.charCodeAt(1);
              if (type === 51) {
                // '3' ACK: 43<id>[answer]
                let i = 2;
                let id = 0;
                let c = text.charCodeAt(i);
                while (c >= CHAR_0 && c <= CHAR_9) {
                  id = id * 10 + (c - CHAR_0);
                  c = text.charCodeAt(++i);
                }
                const done = pending.get(id);
                if (done) {
                  pending.delete(id);
                  const answer = (JSON.parse(text.slice(i)) as Array<{ ok?: unknown }>)[0];
                  done(answer?.ok === true);
                }
              } else if (type === 48) {
                settle(); // '0' CONNECT ok
              } else if (type === 52) {
                settle(new Error(`connect_error ${text.slice(2)}`)); // '4' CONNECT_ERROR
              }
              return;
            }
          }
        });
        socket.on('error', (error) => settle(error));
        socket.on('close', () => {
          settle(new Error('closed before the Socket.IO handshake'));
          if (!closing) for (const done of pending.values()) done(false);
          pending.clear();
        });
      });
    },
    roundTrip(done) {
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        done(false);
        return;
      }
      const id = nextId++;
      pending.set(id, done);
      ws.send('42' + id + '["listing:watch",' + JSON.stringify(listingId) + ']');
    },
    close() {
      closing = true;
      if (ws?.readyState === WebSocket.OPEN) ws.send('41');
      ws?.close();
    },
  };
}

function wsVersion(): string {
  return (createRequire(import.meta.url)('ws/package.json') as { version: string }).version;
}
