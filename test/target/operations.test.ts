import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProbe, type ProbeClient } from '../../src/checks/probe-client.ts';
import { defineTarget } from '../../src/target/define-target.ts';
import { createTarget, type Target } from '../../src/target/target.ts';

/*
 * Outcomes a profile can map besides the chat fixture's reply events: an app ack read into the
 * contract's answer, an HTTP operation, nothing at all; and a custom two-step login (a session
 * cookie, then a CSRF token read with it) whose credentials reach the handshake and HTTP calls.
 */
describe('operations and identities of a profile, on a real server', () => {
  let http: ReturnType<typeof createServer>;
  let io: Server;
  let url: string;
  const typed: string[] = [];
  beforeAll(async () => {
    http = createServer((req, res) => {
      const cookie = req.headers.cookie ?? '';
      if (req.url === '/session') {
        res.writeHead(200, { 'set-cookie': 'sess=s1; Path=/', 'content-type': 'application/json' });
        return res.end('{}');
      }
      if (req.url === '/csrf') {
        res.writeHead(cookie.includes('sess=s1') ? 200 : 401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ csrf: 'c1' }));
      }
      if (req.url?.startsWith('/api/rooms/') && req.method === 'POST') {
        const ok = cookie.includes('sess=s1') && req.headers['x-csrf'] === 'c1';
        res.writeHead(ok ? 202 : 403, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(ok ? { done: true } : { error: { code: 'csrf' } }));
      }
      res.writeHead(404).end();
    });
    io = new Server(http);
    io.use((socket, next) => (socket.handshake.headers.cookie?.includes('sess=s1') && socket.handshake.headers['x-csrf'] === 'c1' ? next() : next(new Error('no session'))));
    io.on('connection', (socket) => {
      socket.on('room:enter', (room: string, ack: (status: string, reason?: string) => void) => (room === 'closed' ? ack('no', 'room_closed') : ack('yes')));
      socket.on('room:typing', (room: string) => typed.push(room));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await io?.close();
    http?.closeAllConnections();
  });

  const profile = defineTarget({
    name: 'rooms',
    identity: {
      type: 'custom',
      async login(_user, api) {
        const session = await api.request({ method: 'GET', path: '/session' });
        const sess = /sess=([^;]+)/.exec(session.headers.get('set-cookie') ?? '')?.[1] ?? '';
        const csrf = await api.request({ method: 'GET', path: '/csrf', headers: { cookie: `sess=${sess}` } });
        return { cookies: { sess }, headers: { 'x-csrf': csrf.body.csrf } };
      },
    },
    world: { booking: { fixed: [{ id: 'open' }] } },
    operations: {
      'booking:join': {
        event: 'room:enter',
        args: (input) => [input.bookingId],
        outcome: { ack: (_input, status, reason) => (status === 'yes' ? { ok: true } : { ok: false, error: { code: reason, message: '' } }) },
      },
      'typing:start': { event: 'room:typing', args: (input) => [input.bookingId] },
      'read:mark': { http: (input) => ({ method: 'POST', path: `/api/rooms/${input.bookingId}/read`, body: { message: input.messageId } }), okStatus: [202], result: () => ({ ok: true, readAt: 1 }) },
    },
    pushes: {},
  });

  async function probe(target: Target): Promise<ProbeClient> {
    const user = { userId: 'u1', role: 'buyer' as const };
    const handshake = target.identity.handshake(await target.identity.credentials(user));
    return openProbe(target.url, 'u1@c1', { ...handshake, dialect: { target, user } });
  }

  it('reads an app ack into the contract answer, sends a step with no answer, and calls an HTTP operation with the login\'s cookie and CSRF header', async () => {
    const target = createTarget(profile, { url });
    const p = await probe(target);
    try {
      expect(await p.ack('booking:join', 'open')).toEqual({ ok: true });
      expect(await p.ack('booking:join', 'closed')).toEqual({ ok: false, error: { code: 'room_closed', message: '' } });
      p.emit('typing:start', { bookingId: 'open' });
      expect(await p.ack('read:mark', { bookingId: 'open', messageId: 'm1' })).toEqual({ ok: true, readAt: 1 });
      // Fire and forget: it arrives when it arrives (bounded, so a lost one fails with a message).
      for (const deadline = Date.now() + 3_000; typed.length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(typed).toEqual(['open']);
      // A step the profile does not map is said so, not sent.
      expect(await p.ack('presence:watch', 'u2')).toMatchObject({ ok: false, error: { code: 'not_mapped' } });
    } finally {
      p.close();
    }
  });

  it('a handshake without the login\'s credentials is refused (the placement matters)', async () => {
    await expect(openProbe(url, 'anon@c1', {})).rejects.toThrow('no session');
  });
});
