import { Redis } from 'ioredis';
import type {
  Cache,
  CacheComponents,
  ConversationMemory,
  ConversationTurn,
  PubSub,
  RateLimiter,
} from './cache.types';
import { tenantKey } from './tenant-key';

export type RedisOptions = { url: string; keyPrefix?: string };

export const createRedisClient = ({ url, keyPrefix = '' }: RedisOptions): Redis =>
  new Redis(url, {
    keyPrefix,
    // Fail fast instead of queueing commands forever while Redis is down: callers answer 503.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 3000,
    lazyConnect: false,
  });

const escapeGlob = (value: string) => value.replace(/[*?[\]\\]/g, '\\$&');

const scanKeys = async (redis: Redis, keyPrefix: string, pattern: string): Promise<string[]> => {
  const found: string[] = [];
  let cursor = '0';
  do {
    // SCAN sees raw key names: ioredis' keyPrefix is not applied to MATCH nor stripped from the reply.
    const [next, batch] = await redis.scan(
      cursor,
      'MATCH',
      `${escapeGlob(keyPrefix)}${pattern}`,
      'COUNT',
      500,
    );
    cursor = next;
    for (const raw of batch) found.push(raw.slice(keyPrefix.length));
  } while (cursor !== '0');
  return found;
};

export const createRedisCache = (redis: Redis, keyPrefix = ''): Cache => ({
  async get(key) {
    return redis.get(key);
  },
  async set(key, value, ttlSeconds) {
    if (ttlSeconds) await redis.set(key, value, 'EX', ttlSeconds);
    else await redis.set(key, value);
  },
  async delete(key) {
    await redis.del(key);
  },
  async deleteByPrefix(prefix) {
    const keys = await scanKeys(redis, keyPrefix, `${escapeGlob(prefix)}*`);
    if (keys.length > 0) await redis.del(...keys);
    return keys.length;
  },
  async keys(prefix) {
    return scanKeys(redis, keyPrefix, `${escapeGlob(prefix)}*`);
  },
  async deleteMatching(pattern) {
    const glob = pattern.split('*').map(escapeGlob).join('*');
    const keys = await scanKeys(redis, keyPrefix, glob);
    if (keys.length > 0) await redis.del(...keys);
    return keys.length;
  },
});

// INCR and set the window's expiry on the first hit, atomically; returns [count, remaining ms].
const consumeScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export const createRedisRateLimiter = (redis: Redis): RateLimiter => ({
  async consume(key, { limit, windowMs }) {
    const [count, ttl] = (await redis.eval(consumeScript, 1, `ratelimit:${key}`, windowMs)) as [
      number,
      number,
    ];
    const allowed = count <= limit;
    return { allowed, remaining: Math.max(0, limit - count), retryAfterMs: allowed ? 0 : ttl };
  },
  async reset(key) {
    await redis.del(`ratelimit:${key}`);
  },
});

export const createRedisPubSub = (publisher: Redis, subscriber: Redis): PubSub => {
  const handlers = new Map<string, Set<(message: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) handler(message);
  });
  // Channels are not keys: ioredis' keyPrefix does not apply, so both sides use the same raw name.
  return {
    async publish(channel, message) {
      await publisher.publish(channel, message);
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await subscriber.subscribe(channel);
      }
      set.add(handler);
      return async () => {
        const current = handlers.get(channel);
        current?.delete(handler);
        if (current && current.size === 0) {
          handlers.delete(channel);
          await subscriber.unsubscribe(channel);
        }
      };
    },
  };
};

export const createRedisConversationMemory = (
  redis: Redis,
  maxTurns = 50,
  ttlSeconds = 7 * 24 * 3600,
): ConversationMemory => {
  const keyOf = (creatorId: string, conversationId: string) => tenantKey('memory', creatorId, conversationId);
  return {
    async append(creatorId, conversationId, turn) {
      const key = keyOf(creatorId, conversationId);
      await redis
        .multi()
        .rpush(key, JSON.stringify(turn))
        .ltrim(key, -maxTurns, -1)
        .expire(key, ttlSeconds)
        .exec();
    },
    async recent(creatorId, conversationId, limit) {
      const key = keyOf(creatorId, conversationId);
      const [exists, items] = await Promise.all([redis.exists(key), redis.lrange(key, -limit, -1)]);
      if (!exists) return null;
      return items.map((item) => JSON.parse(item) as ConversationTurn);
    },
    async replace(creatorId, conversationId, turns) {
      const key = keyOf(creatorId, conversationId);
      const multi = redis.multi().del(key);
      const kept = turns.slice(-maxTurns);
      if (kept.length > 0)
        multi.rpush(key, ...kept.map((turn) => JSON.stringify(turn))).expire(key, ttlSeconds);
      await multi.exec();
    },
    async clear(creatorId, conversationId) {
      await redis.del(keyOf(creatorId, conversationId));
    },
  };
};

export const createRedisComponents = (options: RedisOptions): CacheComponents & { redis: Redis } => {
  const redis = createRedisClient(options);
  const subscriber = createRedisClient({ url: options.url });
  const keyPrefix = options.keyPrefix ?? '';
  return {
    kind: 'redis',
    redis,
    cache: createRedisCache(redis, keyPrefix),
    rateLimiter: createRedisRateLimiter(redis),
    pubsub: createRedisPubSub(redis, subscriber),
    memory: createRedisConversationMemory(redis),
    async ping() {
      await redis.ping();
    },
    async close() {
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
};
