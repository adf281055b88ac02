import { BazaarError } from '../errors.ts';
import type { ClientKind } from '../client/client-socket.ts';
import type { TargetProfile } from '../target/types.ts';
import type { RunOptions } from './run-options.ts';

/* What a run may not combine: said before anything starts, with what to do instead. */

/** What a run spread over worker processes or agents cannot carry yet. */
export function refuseSpread(options: RunOptions, spread: string): void {
  if (options.profile && options.profile.identity.type !== 'contract') {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `${spread} cannot run through the target profile "${options.profile.name}" yet: a profile holds functions, which cannot be handed to other processes`,
      `drop ${spread.split(' ')[0]} (one process drives about 18,000 users), or run several bazaar processes against the server`);
  }
  if (options.faults?.length) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `${spread} cannot inject faults yet: the fault lab belongs to one run process`,
      `drop ${spread.split(' ')[0]} for a run with --fault (a fault run is about what breaks, not sheer numbers)`);
  }
}

/**
 * The options with the target a dialect profile names filled in, once the run is known to be able
 * to reach that target and mint its tokens.
 */
export function resolveRunTarget(options: RunOptions, dialectProfile: TargetProfile | undefined, client: ClientKind): RunOptions {
  if (dialectProfile) {
    if (!options.target && !dialectProfile.url) {
      throw new BazaarError('BAZAAR_BAD_OPTIONS', `the target profile "${dialectProfile.name}" has no url and no --target was given`,
        'pass --target URL, or set url in the profile: the bundled reference server speaks the contract, not this profile');
    }
    options = { ...options, target: options.target ?? dialectProfile.url };
  }
  if (dialectProfile && client === 'lean') {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `--client lean cannot speak the target profile "${dialectProfile.name}" yet: profile steps drive socket.io-client's own handshake options`,
      'leave out --client lean (the default socket.io-client speaks every profile)');
  }
  if (options.target && !dialectProfile && !options.jwtSecret && !options.tokenModule) {
    throw new BazaarError('BAZAAR_NO_SECRET', `no way to mint tokens for ${options.target}`,
      'pass --jwt-secret S (the server\'s HS256 secret), or --token-module FILE for servers with their own login');
  }
  return options;
}
