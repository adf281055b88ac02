import type { Booking, Listing } from '../contract/index.ts';
import { BazaarError } from '../errors.ts';
import type { Identity } from './identity.ts';
import { sendTargetRequest } from './api.ts';
import type { BookingInput, ListingInput, TargetApi, TargetResponse, TargetUser, WorldProfile, WorldStep } from './types.ts';

export interface World {
  listing(input: ListingInput): Promise<Listing>;
  booking(input: BookingInput): Promise<Booking>;
}

async function make<I, M>(
  what: string,
  step: WorldStep<I, M>,
  input: I,
  defaultActor: TargetUser,
  url: string,
  api: TargetApi,
  identity: Identity,
  index: number,
): Promise<Partial<M> & { id: string }> {
  if ('fixed' in step) return step.fixed[index % step.fixed.length]!;
  if ('create' in step) return step.create(input, api);
  const request = step.request(input);
  const user = step.as?.(input) ?? defaultActor;
  let res: TargetResponse;
  try {
    res = await sendTargetRequest(url, request, identity.http(await identity.credentials(user)));
  } catch (error) {
    if (error instanceof BazaarError) throw error;
    throw new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot reach ${url} while ${what}: ${(error as Error).message}`, 'start the server first, or check the profile\'s url / --target');
  }
  const ok = step.okStatus ? step.okStatus.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok) {
    throw new BazaarError('BAZAAR_SEED_FAILED', `${what}: ${request.method} ${request.path} as ${user.userId} answered ${res.status} ${JSON.stringify(res.body)}`,
      'check the profile\'s world: the route, the body the app expects, and who may make it');
  }
  const record = step.result(res, input);
  if (typeof record?.id !== 'string') throw new BazaarError('BAZAAR_SEED_FAILED', `${what}: the profile's world result gave no string id from ${JSON.stringify(res.body)}`, 'result(response) must return { id, ... }');
  return record;
}

/**
 * Records made the profile's way, returned as the contract's models (fields the app does not
 * have are filled from what bazaar asked for, so scenarios and checks read them as usual).
 * Without a listing step a listing is only a name bazaar gives it: the app never sees it.
 */
export function createWorld(world: WorldProfile, url: string, api: TargetApi, identity: Identity): World {
  return {
    async listing(input) {
      const base: Listing = { id: `${input.sellerId}-l${input.index}`, sellerId: input.sellerId, title: input.title, price: input.price, private: input.private, available: true, version: 1 };
      if (!world.listing) return base;
      const made = await make(`creating listing ${input.index + 1} of ${input.sellerId}`, world.listing, input, { userId: input.sellerId, role: 'seller' }, url, api, identity, input.index);
      return { ...base, ...made };
    },
    async booking(input) {
      const base: Booking = { id: '', listingId: input.listing.id, buyerId: input.buyerId, sellerId: input.listing.sellerId, status: 'requested', version: 1 };
      const made = await make(`making booking ${input.index + 1} (${input.buyerId} with ${input.listing.sellerId})`, world.booking, input, { userId: input.buyerId, role: 'buyer' }, url, api, identity, input.index);
      return { ...base, ...made };
    },
  };
}
