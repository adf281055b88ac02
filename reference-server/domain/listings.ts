import {
  isId,
  rooms,
  type AvailabilityChangedPayload,
  type Listing,
  type PriceChangedPayload,
} from '../../src/contract/index.ts';
import type { Principal, ServerContext } from '../context.ts';
import { fail, isPlainObject, ok, type Result } from '../result.ts';

export const TITLE_MAX_CHARS = 200;
export const PRICE_MAX = 1e12;

function isPrice(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= PRICE_MAX;
}

/** Listing events are serialized per listing so that versions go out in the order assigned. */
export const listingKey = (listingId: string) => `listing:${listingId}`;

export async function createListing(ctx: ServerContext, user: Principal, body: unknown): Promise<Result<Listing>> {
  if (user.role !== 'seller') return fail('forbidden', 'only sellers create listings');
  if (!isPlainObject(body)) return fail('bad_request', 'body must be a JSON object {title, price, private?}');
  const { title, price } = body;
  if (typeof title !== 'string' || title.trim().length < 1 || title.trim().length > TITLE_MAX_CHARS) {
    return fail('bad_request', `title must be a string of 1..${TITLE_MAX_CHARS} characters`);
  }
  if (!isPrice(price)) return fail('bad_request', `price must be a number from 0 to ${PRICE_MAX}`);
  if (body.private !== undefined && typeof body.private !== 'boolean') {
    return fail('bad_request', 'private must be a boolean when given');
  }
  const listing = await ctx.store.createListing({
    sellerId: user.userId,
    title: title.trim(),
    price,
    private: body.private === true,
  });
  return ok(listing);
}

export async function changePrice(
  ctx: ServerContext,
  user: Principal,
  listingId: string,
  body: unknown,
): Promise<Result<Listing>> {
  if (!isId(listingId)) return fail('bad_request', 'listing id is not a valid id');
  if (!isPlainObject(body) || !isPrice(body.price)) {
    return fail('bad_request', `body must be {price} with a number from 0 to ${PRICE_MAX}`);
  }
  const price = body.price;
  return ctx.serial.run(listingKey(listingId), async () => {
    const current = await ctx.store.getListing(listingId);
    if (!current) return fail<Listing>('not_found', `no listing ${listingId}`);
    if (current.sellerId !== user.userId) return fail<Listing>('forbidden', 'only the owning seller changes the price');
    const listing = await ctx.store.changePrice(listingId, price);
    if (!listing) return fail<Listing>('not_found', `no listing ${listingId}`);
    const payload: PriceChangedPayload = {
      listingId,
      price: listing.price,
      version: listing.version,
      at: ctx.nowMs(),
    };
    ctx.fanout.emit(rooms.listing(listingId), 'listing:priceChanged', payload);
    return ok(listing);
  });
}

export function emitAvailability(ctx: ServerContext, listing: Listing): void {
  const payload: AvailabilityChangedPayload = {
    listingId: listing.id,
    available: listing.available,
    version: listing.version,
    at: ctx.nowMs(),
  };
  ctx.fanout.emit(rooms.listing(listing.id), 'listing:availabilityChanged', payload);
}
