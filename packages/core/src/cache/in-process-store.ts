import { EventEmitter } from 'node:events';
import type {
  Cache,
  CacheComponents,
  ConversationMemory,
  ConversationTurn,
  PubSub,
  RateLimiter,
} from './cache.types';
import { tenantKey } from './tenant-key';

type Entry = { value: string; expiresAt: number | null };

/** The embedded-mode cache: one Map, lazy expiry plus a sweep so forgotten keys do not pile up. */
export const createInProcessCache = (now: () => number = Date.now): Cache & { sweep(): void } => {
  const entries = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    async get(key) {
      return live(key)?.value ?? null;
    },
    async set(key, value, ttlSeconds) {
      entries.set(key, { value, expiresAt: ttlSeconds ? now() + ttlSeconds * 1000 : null });
    },
    async delete(key) {
      entries.delete(key);
    },
    async deleteByPrefix(prefix) {
      let removed = 0;
      for (const key of [...entries.keys()]) {
        if (key.startsWith(prefix)) {
          entries.delete(key);
          removed += 1;
        }
      }
      return removed;
    },
    async deleteMatching(pattern) {
      const regex = new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      );
      let removed = 0;
      for (const key of [...entries.keys()]) {
        if (regex.test(key)) {
          entries.delete(key);
          removed += 1;
        }
      }
      return removed;
    },
    async keys(prefix) {
      return [...entries.keys()].filter((key) => key.startsWith(prefix) && live(key));
    },
    sweep() {
      for (const key of [...entries.keys()]) live(key);
    },
  };
};

export const createInProcessRateLimiter = (now: () => number = Date.now): RateLimiter => {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    async consume(key, { limit, windowMs }) {
      const current = now();
      let window = windows.get(key);
      if (!window || window.resetAt <= current) {
        window = { count: 0, resetAt: current + windowMs };
        windows.set(key, window);
      }
      window.count += 1;
      const allowed = window.count <= limit;
      return {
        allowed,
        remaining: Math.max(0, limit - window.count),
        retryAfterMs: allowed ? 0 : window.resetAt - current,
      };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
};

export const createInProcessPubSub = (): PubSub => {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(channel, message) {
      emitter.emit(channel, message);
    },
    async subscribe(channel, handler) {
      emitter.on(channel, handler);
      return async () => {
        emitter.off(channel, handler);
      };
    },
  };
};

/** Keeps at most `maxTurns` per conversation, the newest last. */
export const createInProcessConversationMemory = (maxTurns = 50): ConversationMemory => {
  const conversations = new Map<string, ConversationTurn[]>();
  const keyOf = (creatorId: string, conversationId: string) => tenantKey('memory', creatorId, conversationId);
  return {
    async append(creatorId, conversationId, turn) {
      const key = keyOf(creatorId, conversationId);
      const turns = conversations.get(key) ?? [];
      turns.push(turn);
      conversations.set(key, turns.slice(-maxTurns));
    },
    async recent(creatorId, conversationId, limit) {
      const turns = conversations.get(keyOf(creatorId, conversationId));
      return turns ? turns.slice(-limit) : null;
    },
    async replace(creatorId, conversationId, turns) {
      // Like Redis, where an empty list is no key at all: nothing cached reads as null (cold), not [].
      if (turns.length === 0) conversations.delete(keyOf(creatorId, conversationId));
      else conversations.set(keyOf(creatorId, conversationId), turns.slice(-maxTurns));
    },
    async clear(creatorId, conversationId) {
      conversations.delete(keyOf(creatorId, conversationId));
    },
  };
};

export const createInProcessComponents = (): CacheComponents => {
  const cache = createInProcessCache();
  const sweeper = setInterval(() => cache.sweep(), 60_000);
  sweeper.unref();
  return {
    kind: 'in-process',
    cache,
    rateLimiter: createInProcessRateLimiter(),
    pubsub: createInProcessPubSub(),
    memory: createInProcessConversationMemory(),
    async ping() {},
    async close() {
      clearInterval(sweeper);
    },
  };
};
