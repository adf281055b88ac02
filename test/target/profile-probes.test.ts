import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTarget } from '../../src/target/define-target.ts';
import { judgeDialect, runProbes } from '../../src/target/detect-dialect.ts';
import { profileProbes } from '../../src/target/profile-probes.ts';
import { createTarget } from '../../src/target/target.ts';
import type { SessionMapping } from '../../src/target/types.ts';
import { startChatDialectServer, type ChatDialectServer } from '../helpers/chat-dialect-server.ts';

// The probes a profile implies (src/target/profile-probes.ts), against a real server of another
// dialect: its login, where its token goes, its greeting, its health path.

let server: ChatDialectServer;
beforeAll(async () => {
  server = await startChatDialectServer();
});
afterAll(async () => {
  await server.close();
});

function probe(options: { session?: SessionMapping; handshake?: 'auth' | 'query'; loginPath?: string; healthPath?: string | false }) {
  const profile = defineTarget({
    name: 'chat helper',
    identity: {
      type: 'login',
      request: (user) => ({ method: 'POST', path: options.loginPath ?? '/login', body: { user: user.userId } }),
      token: (res) => res.body?.token,
      placement: { handshake: { in: options.handshake ?? 'auth', name: 'token' } },
    },
    world: { booking: { fixed: [{ id: 'c1' }] } },
    operations: {},
    pushes: {},
    ...(options.session ? { session: options.session } : {}),
    healthPath: options.healthPath ?? false,
  });
  const target = createTarget(profile, { url: server.url });
  return runProbes(profileProbes(target), { url: server.url, userId: 'probe-user', waitMs: 300 });
}

describe('profile probes', () => {
  it('speaks: the login works, the token is taken where the profile puts it, the greeting comes and is read', async () => {
    const findings = await probe({ session: { event: 'session', read: (s: { sid: string }) => ({ userId: s.sid }) } });
    expect(judgeDialect(findings).kind).toBe('speaks');
    const connect = findings.find((f) => f.id === 'profile.connect');
    expect(connect).toMatchObject({ ok: true, found: expect.stringMatching(/^connected; `session` after \d+ ms$/) });
    expect(connect?.facts?.session).toMatchObject({ userId: expect.any(String), role: 'buyer' });
  });

  it('a greeting the server never sends: foreign, naming the event expected and the events seen', async () => {
    const findings = await probe({ session: { event: 'hello', read: () => ({}) } });
    expect(judgeDialect(findings).kind).toBe('foreign');
    expect(findings.find((f) => f.id === 'profile.connect')?.found).toBe('no `hello` event within 0.3 s (got session)');
  });

  it('the token where the server does not look for it: foreign, with the connect_error', async () => {
    const findings = await probe({ handshake: 'query' });
    expect(judgeDialect(findings).kind).toBe('foreign');
    expect(findings.find((f) => f.id === 'profile.connect')?.found).toBe('connect refused: connect_error "unauthorized"');
  });

  it('a login route the server does not have: foreign, with what it answered', async () => {
    const findings = await probe({ loginPath: '/api/login' });
    expect(judgeDialect(findings).kind).toBe('foreign');
    expect(findings.find((f) => f.id === 'profile.connect')?.found).toMatch(/POST \/api\/login\) answered 401/);
  });

  it('a health path that does not answer 200 is reported, not required', async () => {
    const findings = await probe({ healthPath: '/healthz' });
    expect(findings.find((f) => f.id === 'profile.health')).toMatchObject({ ok: false, required: false, found: '401 (set healthPath: false if the server has none)' });
    expect(judgeDialect(findings).kind).toBe('speaks');
  });
});
