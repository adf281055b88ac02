import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/*
 * HTTP and WebSocket spoken byte by byte over one TCP connection, for the requests no HTTP client
 * will send: thousands of headers, a handshake cut by a reset, a WebSocket frame with reserved
 * bits set. Each resolves with what the server did (its status line, or that it closed).
 */

export interface RawHttpAnswer {
  /** `HTTP/1.1 101 Switching Protocols`, or undefined when the server wrote nothing. */
  statusLine: string | undefined;
  /** The server closed the connection before timeoutMs. */
  closed: boolean;
  elapsedMs: number;
}

function openTcp(baseUrl: string): Promise<Socket> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends `request` as it is, then waits up to timeoutMs for the server's answer and close. */
export async function sendRawHttp(baseUrl: string, request: string | Buffer, timeoutMs: number, options: { resetAfterMs?: number } = {}): Promise<RawHttpAnswer> {
  const startedAtMs = Date.now();
  const socket = await openTcp(baseUrl);
  socket.on('error', () => {});
  return new Promise((resolve) => {
    let received = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (reset) clearTimeout(reset);
      socket.destroy();
      const statusLine = received ? received.split('\r\n')[0] : undefined;
      resolve({ statusLine, closed, elapsedMs: Date.now() - startedAtMs });
    };
    socket.on('data', (chunk) => {
      if (received.length < 4096) received += chunk.toString('latin1');
    });
    socket.on('close', () => finish(true));
    const timer = setTimeout(() => finish(false), timeoutMs);
    // A reset (RST, not FIN) in the middle of the exchange, as a dropped mobile connection sends.
    const reset = options.resetAfterMs === undefined ? undefined : setTimeout(() => {
      socket.resetAndDestroy();
      finish(true);
    }, options.resetAfterMs);
    socket.write(request);
  });
}

/** A WebSocket upgrade request for the Engine.IO endpoint, with `extraHeaders` lines placed first. */
export function upgradeRequest(baseUrl: string, extraHeaders: string[] = []): string {
  const url = new URL(baseUrl);
  return [
    'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1',
    ...extraHeaders,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

/** A masked client WebSocket frame (payload under 126 bytes) with the given first byte (FIN, RSV bits, opcode). */
export function clientFrame(firstByte: number, payload: string): Buffer {
  const data = Buffer.from(payload);
  if (data.length >= 126) throw new Error(`clientFrame takes payloads under 126 bytes, not ${data.length}`);
  const mask = randomBytes(4);
  const masked = Buffer.from(data.map((byte, i) => byte ^ (mask[i % 4] as number)));
  return Buffer.concat([Buffer.from([firstByte, 0x80 | data.length]), mask, masked]);
}

/**
 * Upgrades to a WebSocket by hand, then sends `frame` on it. Resolves with whether the server
 * closed the connection within timeoutMs, and the upgrade's status line.
 */
export async function sendFrameAfterUpgrade(baseUrl: string, frame: Buffer, timeoutMs: number): Promise<RawHttpAnswer> {
  const startedAtMs = Date.now();
  const socket = await openTcp(baseUrl);
  socket.on('error', () => {});
  return new Promise((resolve) => {
    let received = '';
    let upgraded = false;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ statusLine: received ? received.split('\r\n')[0] : undefined, closed, elapsedMs: Date.now() - startedAtMs });
    };
    socket.on('data', (chunk) => {
      if (received.length < 4096) received += chunk.toString('latin1');
      if (!upgraded && received.includes('\r\n\r\n')) {
        upgraded = true;
        if (received.startsWith('HTTP/1.1 101')) socket.write(frame);
      }
    });
    socket.on('close', () => finish(true));
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.write(upgradeRequest(baseUrl));
  });
}
