import type { Booking, Listing, Role } from '../contract/index.ts';
import { callApi, type HttpAnswer, type TokenProvider } from '../client/http.ts';
import type { MetricsSink } from '../client/sink.ts';
import { BazaarError } from '../errors.ts';
import type { SeededWorld, WorldSpec } from '../scenario/types.ts';
import type { World } from '../target/world.ts';
import { runBounded } from './pool.ts';

export interface SeedProgress {
  phase: 'listings' | 'bookings';
  done: number;
  total: number;
}

const SEED_CONCURRENCY = 32;

const noMetrics: MetricsSink = {
  latency: () => ({ record() {}, recordValueUs() {} }),
  counter: () => ({ add() {} }),
};

function count(value: number | undefined, fallback: number, field: string, min = 0): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `world.${field} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function planWorld(spec: WorldSpec = {}) {
  const sellers = count(spec.sellers, 1, 'sellers', 1);
  const listingsPerSeller = count(spec.listingsPerSeller, 1, 'listingsPerSeller');
  const bookings = count(spec.bookings, 0, 'bookings');
  const buyers = count(spec.buyers, Math.max(1, bookings), 'buyers', 1);
  const admins = count(spec.admins, 1, 'admins');
  const privateRatio = spec.privateRatio ?? 0;
  if (typeof privateRatio !== 'number' || privateRatio < 0 || privateRatio > 1) {
    throw new BazaarError('BAZAAR_BAD_SCENARIO', `world.privateRatio must be a number from 0 to 1, got ${JSON.stringify(spec.privateRatio)}`);
  }
  const listings = sellers * listingsPerSeller;
  if (bookings > listings) {
    throw new BazaarError(
      'BAZAAR_BAD_SCENARIO',
      `world.bookings (${bookings}) exceeds the listings (${sellers} sellers × ${listingsPerSeller} = ${listings})`,
      'each listing can be booked once: raise sellers or listingsPerSeller, or lower bookings',
    );
  }
  return { sellers, listingsPerSeller, bookings, buyers, admins, privateRatio, listings };
}

function explain(answer: HttpAnswer, what: string, baseUrl: string): BazaarError {
  if (answer.status === 0) {
    return new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot reach ${baseUrl} while ${what}`, 'check --target, or leave it out to use the bundled reference server');
  }
  if (answer.status === 401) {
    return new BazaarError('BAZAAR_BAD_SECRET', `${baseUrl} refused the token while ${what} (401)`, 'pass the server\'s secret with --jwt-secret (or JWT_SECRET), or a token module');
  }
  return new BazaarError('BAZAAR_SEED_FAILED', `${what} failed: HTTP ${answer.status} ${JSON.stringify(answer.body)}`, 'the target must follow docs/contract.md §3');
}

/**
 * Seed the world through the contract's HTTP API, or (`world`) the way a target profile says
 * (src/target/world.ts): concurrent, bounded, with progress.
 */
export async function seedWorld(
  spec: WorldSpec | undefined,
  baseUrl: string,
  token: TokenProvider,
  onProgress?: (progress: SeedProgress) => void,
  runId = Date.now().toString(36),
  world?: World,
): Promise<SeededWorld> {
  const plan = planWorld(spec);
  // Ids carry the run id, so two runs against one server never share users.
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}-${runId}`);
  const sellers = ids('s', plan.sellers);
  const buyers = ids('b', plan.buyers);
  const admins = ids('a', plan.admins);
  const http = { baseUrl, metrics: noMetrics, timeoutMs: 10_000 };
  const as = async (userId: string, role: Role) => token(userId, role);

  const privateEvery = plan.privateRatio > 0 ? 1 / plan.privateRatio : Infinity;
  const listings = await runBounded<Listing>(
    plan.listings,
    SEED_CONCURRENCY,
    async (i) => {
      const seller = sellers[i % plan.sellers] as string;
      const isPrivate = Number.isFinite(privateEvery) && Math.floor(i % privateEvery) === 0;
      if (world) return world.listing({ sellerId: seller, title: `listing ${i + 1} of ${seller}`, price: 50 + (i % 450), private: isPrivate, index: i });
      const answer = await callApi(http, await as(seller, 'seller'), {
        method: 'POST',
        path: '/api/listings',
        route: 'POST /api/listings',
        body: { title: `listing ${i + 1} of ${seller}`, price: 50 + (i % 450), private: isPrivate },
      });
      if (answer.status !== 201) throw explain(answer, `creating listing ${i + 1}`, baseUrl);
      return answer.body as Listing;
    },
    (done) => onProgress?.({ phase: 'listings', done, total: plan.listings }),
  );
  const bookings = await runBounded<Booking>(
    plan.bookings,
    SEED_CONCURRENCY,
    async (i) => {
      const buyer = buyers[i % plan.buyers] as string;
      const listing = listings[i] as Listing;
      if (world) return world.booking({ buyerId: buyer, listing, index: i });
      const answer = await callApi(http, await as(buyer, 'buyer'), {
        method: 'POST',
        path: '/api/bookings',
        route: 'POST /api/bookings',
        body: { listingId: listing.id },
      });
      if (answer.status !== 201) throw explain(answer, `booking listing ${listing.id}`, baseUrl);
      return answer.body as Booking;
    },
    (done) => onProgress?.({ phase: 'bookings', done, total: plan.bookings }),
  );
  return { sellers, buyers, admins, listings, bookings };
}
