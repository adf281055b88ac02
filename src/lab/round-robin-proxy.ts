import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface RoundRobinProxy {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `--lb none`: every HTTP request and every WebSocket upgrade goes to the next node in turn,
 * with no stickiness at all. Kept deliberately: a long-polling session's requests land on
 * nodes that never saw its handshake, which is how 'Session ID unknown' is reproduced
 * (https://socket.io/docs/v4/using-multiple-nodes/). WebSocket-only clients work through it,
 * since one upgrade is one connection.
 */
export async function startRoundRobinProxy(targets: ProxyTarget[], options: { host: string; port: number }): Promise<RoundRobinProxy> {
  if (targets.length === 0) throw new Error('round-robin proxy: no targets');
  let next = 0;
  const pick = (): ProxyTarget => {
    const target = targets[next % targets.length] as ProxyTarget;
    next = (next + 1) % targets.length;
    return target;
  };
  // No keep-alive towards the nodes: a reused connection would be a stickiness of its own.
  const agent = new Agent({ keepAlive: false });
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const target = pick();
    const upstream = request({ host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`bad gateway: ${error.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = pick();
    const upstream = connect(target.port, target.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, exclusive: true }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      }),
  };
}
