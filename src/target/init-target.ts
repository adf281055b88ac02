import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BazaarError } from '../errors.ts';
import { probeForInit, type InitFindings } from './init-probe.ts';
import { renderFirstScenario, renderProfileSkeleton, type SkeletonOptions } from './init-skeleton.ts';

export interface InitOptions extends SkeletonOptions {
  /** The server to probe. */
  target: string;
  /** Where to write the files; default the working directory. */
  dir?: string;
  /** A token of one of the server's users: tells where tokens go and what a connection is greeted with. */
  token?: string;
  /** Overwrite files that exist. */
  force?: boolean;
  /** How long to listen for a greeting after connecting; default 2 s. */
  waitMs?: number;
}

export interface InitResult {
  findings: InitFindings;
  /** Absolute paths of the files written. */
  written: string[];
}

export const INIT_FILES = { profile: 'bazaar.target.ts', scenario: 'bazaar.scenario.ts' } as const;

/**
 * `bazaar init --target URL`: probe a server from the outside (Engine.IO handshake, a connect
 * without and with a token, its greeting) and write a commented profile skeleton and a first
 * scenario (issue 13 §3). Never overwrites a file unless `force`; writes nothing when the target
 * is not a Socket.IO 4 server.
 */
export async function initTarget(options: InitOptions): Promise<InitResult> {
  if (!URL.canParse(options.target) || !/^https?:/.test(options.target)) {
    throw new BazaarError('BAZAAR_BAD_TARGET', `--target "${options.target}" is not an http(s) URL`, 'write it like http://127.0.0.1:3000');
  }
  const dir = resolve(options.dir ?? '.');
  const paths = [join(dir, INIT_FILES.profile), join(dir, INIT_FILES.scenario)];
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length && !options.force) {
    throw new BazaarError('BAZAAR_FILE_EXISTS', `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written`,
      'edit the file you have, or pass --force to replace it with a fresh skeleton');
  }
  const findings = await probeForInit(options.target, { ...(options.token ? { token: options.token } : {}), ...(options.waitMs ? { waitMs: options.waitMs } : {}) });
  const v4 = findings.engineIo[4];
  if (!v4.ok && v4.reason === 'unreachable') {
    throw new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot reach ${findings.url}: ${v4.error}`, 'start the server first (and check the URL)');
  }
  if (!v4.ok) {
    const v3 = findings.engineIo[3];
    throw v3.ok
      ? new BazaarError('BAZAAR_UNSUPPORTED_PROTOCOL', `${findings.url} speaks only Engine.IO 3 (Socket.IO 2); bazaar's client speaks Socket.IO 3 and 4 (Engine.IO 4)`,
          'upgrade the server to Socket.IO 4 (it can keep old clients with allowEIO3: true)')
      : new BazaarError('BAZAAR_NOT_SOCKET_IO', `${findings.url} answers no Engine.IO handshake at /socket.io/ (${v4.status} ${v4.body.slice(0, 80)})`,
          'give the URL of the Socket.IO server itself (bazaar expects the default path /socket.io/)');
  }
  mkdirSync(dir, { recursive: true });
  const [profilePath, scenarioPath] = paths as [string, string];
  writeFileSync(profilePath, renderProfileSkeleton(findings, options));
  writeFileSync(scenarioPath, renderFirstScenario(findings, options));
  return { findings, written: paths };
}
