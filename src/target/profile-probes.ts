import { BazaarError } from '../errors.ts';
import { engineIoProbe } from './contract-probes.ts';
import { readSession } from './operations.ts';
import type { Probe, ProbeOutcome } from './probe.ts';
import { probeSocket } from './probe-socket.ts';
import type { Target } from './target.ts';

/*
 * What bazaar probes before checking or loading a server through a profile: what the profile
 * says about how the server speaks, tried without creating anything (no world records). The
 * same judge as the contract's (detect-dialect.ts) turns the findings into "go" or an error
 * that says which part of the profile the server does not match.
 */

const short = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** The profile's login (or token minting) for a probe user, then a connect the profile's way, then its greeting. */
function connectProbe(target: Target): Probe {
  const { identity, session } = target.profile;
  const placement = ('placement' in identity ? identity.placement?.handshake : undefined) ?? { in: 'auth', name: 'token' };
  const greeting = session && session !== 'none' ? session.event : undefined;
  return {
    id: 'profile.connect',
    probed: `log in the profile's way (identity ${identity.type}), connect with the credentials in the handshake's ${placement.in}${greeting ? `, then wait for \`${greeting}\`` : ''}`,
    required: true,
    async run({ userId, waitMs }): Promise<ProbeOutcome> {
      const user = { userId, role: 'buyer' as const };
      let handshake;
      try {
        handshake = target.identity.handshake(await target.identity.credentials(user));
      } catch (error) {
        const code = error instanceof BazaarError ? error.code : '';
        return { ok: false, missing: code === 'BAZAAR_TARGET_UNREACHABLE' ? 'unreachable' : 'dialect', found: (error as Error).message };
      }
      const answer = await probeSocket(target.url, {
        auth: handshake.auth,
        query: handshake.query,
        extraHeaders: handshake.extraHeaders,
        listenMs: greeting ? waitMs : 0,
        until: (event) => event === greeting,
      });
      if (!answer.connected) {
        return { ok: false, missing: 'dialect', found: `connect refused: connect_error "${answer.error}"${answer.data !== undefined ? ` (data ${short(answer.data)})` : ''}` };
      }
      if (!greeting) return { ok: true, found: 'connected (the profile expects no greeting)' };
      const seen = answer.events.find((e) => e.event === greeting);
      if (!seen) {
        const others = [...new Set(answer.events.map((e) => e.event))];
        return { ok: false, missing: 'dialect', found: `no \`${greeting}\` event within ${waitMs / 1000} s${others.length ? ` (got ${others.join(', ')})` : ''}` };
      }
      const read = readSession(session, seen.event, seen.args);
      if (!read) return { ok: false, missing: 'dialect', found: `\`${greeting}\` came, but session.read made nothing of ${short(seen.args)}` };
      return { ok: true, found: `connected; \`${greeting}\` after ${seen.afterMs} ms`, facts: { session: { userId, role: 'buyer', ...read } } };
    },
  };
}

/** The profile's health path answers 200 (reported, not required: checks fall back to a fresh connection). */
function healthProbe(path: string): Probe {
  return {
    id: 'profile.health',
    probed: `GET ${path} (the profile's healthPath)`,
    required: false,
    async run({ url }): Promise<ProbeOutcome> {
      try {
        const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        return res.status === 200 ? { ok: true, found: '200' } : { ok: false, missing: 'dialect', found: `${res.status} (set healthPath: false if the server has none)` };
      } catch (error) {
        return { ok: false, missing: 'unreachable', found: `no answer: ${(error as Error).message}` };
      }
    },
  };
}

/** The probes a profile implies, in the order they are shown. */
export function profileProbes(target: Target): Probe[] {
  const health = target.profile.healthPath;
  return [engineIoProbe, connectProbe(target), ...(health === false ? [] : [healthProbe(health ?? '/healthz')])];
}
