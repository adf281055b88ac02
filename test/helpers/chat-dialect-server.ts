import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

/**
 * A small Socket.IO chat server that speaks nothing of bazaar's contract: a login route that
 * hands out opaque session tokens, `chat:join` / `chat:message` with acks of its own shape
 * (`'joined', id` and `{ status: 'sent', id }`), `chat:new` pushed to a conversation's room,
 * `chat:ping` answered by a `chat:pong` event, a `session` event of its own shape on connection,
 * and conversations over HTTP.
 *
 * Messages whose text is `slow` are acked after 150 ms; `lost` ones never.
 */
export interface ChatDialectServer {
  url: string;
  io: Server;
  /** Requests the HTTP routes saw, as `METHOD path user`. */
  requests: string[];
  close(): Promise<void>;
}

export async function startChatDialectServer(): Promise<ChatDialectServer> {
  const sessions = new Map<string, string>(); // token -> user
  const requests: string[] = [];
  const userOf = (req: IncomingMessage) => sessions.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const http = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/login') {
      const { user } = JSON.parse(raw || '{}') as { user?: string };
      if (!user) return json(res, 400, { message: 'who are you?' });
      const token = randomUUID();
      sessions.set(token, user);
      return json(res, 200, { token });
    }
    const user = userOf(req);
    requests.push(`${req.method} ${url.pathname} ${user ?? '-'}`);
    if (!user) return json(res, 401, { message: 'log in first' });
    const conversation = /^\/api\/conversations\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && conversation) {
      // A body whose error code is unique per call: it must not become a metric tag.
      if (conversation[1] === 'missing') return json(res, 404, { error: { code: `no-such-conversation-${randomUUID()}` } });
      return json(res, 200, { id: conversation[1], members: [user] });
    }
    if (req.method === 'POST' && url.pathname === '/api/conversations') return json(res, 201, { id: `c-${randomUUID()}`, by: user, ...JSON.parse(raw || '{}') });
    json(res, 404, { message: 'not found' });
  });
  const io = new Server(http);
  io.use((socket, next) => {
    const user = sessions.get(String(socket.handshake.auth?.token ?? ''));
    if (!user) return next(new Error('unauthorized'));
    socket.data.user = user;
    next();
  });
  io.on('connection', (socket) => {
    // A `session` event of its own, nothing like the contract's.
    socket.emit('session', { sid: socket.id });
    socket.on('chat:join', (conversationId: string, ack: (...args: unknown[]) => void) => {
      socket.join(conversationId);
      ack('joined', conversationId);
    });
    socket.on('chat:message', (message: { conversationId: string; text: string }, ack: (reply: unknown) => void) => {
      const id = randomUUID();
      const reply = () => {
        ack({ status: 'sent', id });
        socket.to(message.conversationId).emit('chat:new', { id, conversationId: message.conversationId, from: socket.data.user, text: message.text });
      };
      if (message.text === 'slow') setTimeout(reply, 150);
      else if (message.text !== 'lost') reply();
    });
    socket.on('chat:ping', (n: number) => socket.emit('chat:pong', n, socket.data.user));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  let closed = false;
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    io,
    requests,
    async close() {
      if (closed) return;
      closed = true;
      io.disconnectSockets(true);
      await io.close();
      http.closeAllConnections();
    },
  };
}

/** A token provider that logs in through the server's own route, as a user's token module would. */
export function loginTokens(url: string) {
  return async (userId: string): Promise<string> => {
    const res = await fetch(`${url}/login`, { method: 'POST', body: JSON.stringify({ user: userId }) });
    return ((await res.json()) as { token: string }).token;
  };
}
