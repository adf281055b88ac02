import type { TokenProvider } from '../client/http.ts';
import { createSecretTokenProvider, loadTokenModule } from '../client/tokens.ts';
import { BazaarError } from '../errors.ts';
import { probeContractTarget, probeProfileTarget } from '../target/probe-target.ts';
import type { RunContext } from './run-context.ts';

/**
 * Before seeding: the server answers, the run can mint its tokens, and the server speaks what the
 * run will speak to it. Returns the tokens' provider.
 */
export async function reachTarget(run: RunContext): Promise<TokenProvider> {
  const { options, dialect, target } = run;
  await checkReachable(target, dialect?.profile.healthPath);
  const token: TokenProvider = dialect
    ? dialect.identity.tokenProvider
    : options.tokenModule
      ? await loadTokenModule(options.tokenModule)
      : createSecretTokenProvider(options.jwtSecret ?? run.server?.jwtSecret ?? '');
  // Does the server speak what the run will speak to it (the profile's dialect, or the
  // contract's for a contract scenario)? Said up front, rather than every step failing.
  // (`world: false` scenarios without a profile drive any dialect with generic steps.)
  const probeUser = `probe-${run.startedAt.getTime().toString(36)}`;
  if (dialect) await probeProfileTarget(dialect, probeUser);
  else if (!run.embedded && run.scenario.world !== false) await probeContractTarget(target, token, probeUser, 'the contract (docs/contract.md), which this scenario uses');
  return token;
}

/** Any answer proves the server is there (a 404 on a health path the app lacks included). */
export async function checkReachable(target: string, healthPath: string | false = '/healthz'): Promise<void> {
  let url: URL;
  try {
    url = new URL(healthPath === false ? '/' : healthPath, target);
  } catch {
    throw new BazaarError('BAZAAR_BAD_TARGET', `--target "${target}" is not a URL`, 'write it like http://127.0.0.1:3000');
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
  } catch (error) {
    // The system's code (ECONNREFUSED), else what fetch said (undici refuses 'bad port's such as 1 or 6000 itself).
    const failure = error as Error & { cause?: { code?: string; message?: string } };
    const cause = failure.cause?.code ?? failure.cause?.message ?? (failure.name === 'TimeoutError' ? 'no answer within 5 s' : failure.message);
    if (cause === 'bad port') {
      throw new BazaarError('BAZAAR_BAD_TARGET', `--target ${target}: port ${url.port} is one the Fetch standard blocks ("bad port"), and Node's fetch refuses to call it`,
        'serve the app on another port (3000, 8080, ...)');
    }
    throw new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot reach ${target}: ${cause}`,
      'start the server first, or leave out --target to use the bundled reference server');
  }
}
