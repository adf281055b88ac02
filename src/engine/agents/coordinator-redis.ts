import { Redis, type RedisOptions } from 'ioredis';
import { BazaarError } from '../../errors.ts';
import { redactUrl } from '../../lab/redis-provider.ts';

/**
 * Connects to the Redis through which the coordinator and its agents talk, or says which one it
 * could not reach and what to do. Errors after connecting are left to the commands that fail
 * (ioredis reconnects after a blip; commands in flight wait for it).
 */
export async function connectCoordinatorRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5_000, ...options });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new BazaarError('BAZAAR_NO_COORDINATOR_REDIS', `cannot reach the coordinating Redis ${redactUrl(url)}: ${(error as Error).message}`,
      'start Redis where the coordinator and every agent can reach it, and pass its url to --coordinator', { cause: error });
  }
  return redis;
}
