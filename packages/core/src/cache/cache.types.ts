/** Short-lived key/value data. Values are strings; callers serialise. */
export type Cache = {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Removes every key that starts with `prefix` (erasure of a tenant or a member). Returns how many. */
  deleteByPrefix(prefix: string): Promise<number>;
  /** Every key that starts with `prefix`; for erasure checks and admin tools, not hot paths. */
  keys(prefix: string): Promise<string[]>;
  /** Removes every key matching a glob where `*` is any run of characters (member erasure). */
  deleteMatching(pattern: string): Promise<number>;
};

export type RateLimitDecision = { allowed: boolean; remaining: number; retryAfterMs: number };

/** Fixed-window counter: `limit` hits per `windowMs` per key. */
export type RateLimiter = {
  consume(key: string, options: { limit: number; windowMs: number }): Promise<RateLimitDecision>;
  reset(key: string): Promise<void>;
};

export type Unsubscribe = () => Promise<void>;

/** Fan-out between processes (WebSocket events, cache invalidation). At-most-once: durable data lives in SQL. */
export type PubSub = {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
};

export type ConversationTurn = {
  role: 'user' | 'assistant' | 'system';
  content: string;
  at: string;
  messageId?: string;
};

/**
 * The last turns of a conversation, kept close for prompt building. It is a cache of the durable messages in
 * PostgreSQL: losing it (restart, Redis flush) costs a reload, never context.
 */
export type ConversationMemory = {
  append(creatorId: string, conversationId: string, turn: ConversationTurn): Promise<void>;
  recent(creatorId: string, conversationId: string, limit: number): Promise<ConversationTurn[] | null>;
  replace(creatorId: string, conversationId: string, turns: ConversationTurn[]): Promise<void>;
  clear(creatorId: string, conversationId: string): Promise<void>;
};

export type CacheComponents = {
  kind: 'in-process' | 'redis';
  /** The Redis client when kind is 'redis', for libraries that take one (rate limits). */
  redis?: import('ioredis').Redis;
  cache: Cache;
  rateLimiter: RateLimiter;
  pubsub: PubSub;
  memory: ConversationMemory;
  /** Resolves when the backing store answers; rejects otherwise (for `/ready`). */
  ping(): Promise<void>;
  close(): Promise<void>;
};
