import { createTargetApi } from './api.ts';
import { claimedCapabilities } from './capabilities.ts';
import { CONTRACT_PROFILE, isContractProfile } from './contract-profile.ts';
import { createIdentity, type Identity, type TokenProvider } from './identity.ts';
import { createPushReader, type PushReader } from './operations.ts';
import type { Capability, OperationInputs, OperationMapping, OperationName, TargetApi, TargetProfile, TargetUser } from './types.ts';
import { createWorld, type World } from './world.ts';

/**
 * A profile made ready for one server: its identity with the logins kept, its world, its push
 * reader. What the clients (VirtualUser, the checks' probes) and the seeding are given.
 */
export interface Target {
  profile: TargetProfile;
  url: string;
  /** Speaks the contract natively: clients send and read the contract's events as they are. */
  contract: boolean;
  identity: Identity;
  api: TargetApi;
  world: World;
  capabilities: ReadonlySet<Capability>;
  pushes: PushReader;
  operation<O extends OperationName>(name: O): OperationMapping<O> | undefined;
}

export interface TargetOptions {
  url: string;
  /** The contract identity's tokens (--jwt-secret or --token-module). */
  contractToken?: TokenProvider;
}

export function createTarget(profile: TargetProfile = CONTRACT_PROFILE, options: TargetOptions): Target {
  const url = options.url.replace(/\/$/, '');
  const identity = createIdentity(profile.identity, url, options.contractToken);
  const api = createTargetApi(url, async (user) => identity.http(await identity.credentials(user)));
  return {
    profile,
    url,
    contract: isContractProfile(profile),
    identity,
    api,
    world: createWorld(profile.world, url, api, identity),
    capabilities: claimedCapabilities(profile),
    pushes: createPushReader(profile.pushes ?? {}),
    operation: (name) => profile.operations?.[name] as OperationMapping<any> | undefined,
  };
}

/**
 * A contract emit's arguments as an operation's input, for clients that speak the contract's
 * words to a target of another dialect (the checks' probes): `booking:join 'b1'` → `{ bookingId: 'b1' }`.
 */
export function operationInput(name: OperationName, args: unknown[], user: TargetUser): OperationInputs[OperationName] {
  const [first] = args;
  const fields = (typeof first === 'object' && first !== null ? first : {}) as Record<string, unknown>;
  switch (name) {
    case 'listing:watch':
    case 'listing:unwatch':
      return { listingId: first as string };
    case 'booking:join':
    case 'booking:leave':
      return { bookingId: first as string };
    case 'presence:watch':
    case 'presence:unwatch':
      return { userId: first as string };
    case 'message:send':
      return { senderId: user.userId, ...fields } as OperationInputs['message:send'];
    case 'typing:start':
    case 'typing:stop':
      return { userId: user.userId, ...fields } as OperationInputs['typing:start'];
    default:
      return fields as OperationInputs[OperationName];
  }
}

export const SOCKET_OPERATIONS: ReadonlySet<string> = new Set<OperationName>([
  'listing:watch', 'listing:unwatch', 'booking:join', 'booking:leave', 'message:send', 'typing:start', 'typing:stop',
  'read:mark', 'presence:watch', 'presence:unwatch', 'presence:heartbeat',
]);
