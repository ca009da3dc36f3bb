import type { CacheComponents } from './cache.types';
import { createInProcessComponents } from './in-process-store';
import { createRedisComponents } from './redis-store';

/** Redis when `REDIS_URL` is set, the in-process stores otherwise (ARCHITECTURE §3). */
export const createCacheComponents = (options: { redisUrl?: string; keyPrefix?: string }): CacheComponents =>
  options.redisUrl
    ? createRedisComponents({ url: options.redisUrl, keyPrefix: options.keyPrefix })
    : createInProcessComponents();
