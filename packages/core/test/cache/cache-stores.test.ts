import { randomBytes, randomUUID } from 'node:crypto';
import type { CacheComponents, ConversationTurn } from '@companero/core/cache/cache.types';
import { createCacheComponents } from '@companero/core/cache/cache-components';
import {
  createInProcessCache,
  createInProcessComponents,
  createInProcessRateLimiter,
} from '@companero/core/cache/in-process-store';
import { loadConfig } from '@companero/core/config/load-config';
import { backends, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitFor = async (condition: () => boolean, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
};

const turn = (index: number, role: ConversationTurn['role'] = 'user'): ConversationTurn => ({
  role,
  content: `message ${index}`,
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
  messageId: `m-${index}`,
});

describe.each(backends())('cache components on $name', (backend) => {
  let environment: TestEnvironment;
  let components: CacheComponents;
  let keyPrefix: string;

  beforeAll(async () => {
    environment = await createTestEnvironment(backend);
    const config = loadConfig(environment.env);
    keyPrefix = config.REDIS_KEY_PREFIX;
    components = createCacheComponents({ redisUrl: config.REDIS_URL, keyPrefix });
  });
  afterAll(async () => {
    await components?.close();
    await environment?.cleanup();
  });

  it('uses Redis exactly when the backend has REDIS_URL', async () => {
    expect(components.kind).toBe(backend.usesRedis ? 'redis' : 'in-process');
    expect(components.redis !== undefined).toBe(backend.usesRedis);
    await expect(components.ping()).resolves.toBeUndefined();
  });

  describe('cache', () => {
    it('returns what was set and null for a missing key', async () => {
      await components.cache.set('profile:1', '{"name":"Ana"}');
      expect(await components.cache.get('profile:1')).toBe('{"name":"Ana"}');
      expect(await components.cache.get('profile:missing')).toBeNull();
    });

    it('overwrites a value and deletes a key', async () => {
      await components.cache.set('profile:2', 'first');
      await components.cache.set('profile:2', 'second');
      expect(await components.cache.get('profile:2')).toBe('second');
      await components.cache.delete('profile:2');
      expect(await components.cache.get('profile:2')).toBeNull();
    });

    it('forgets a value once its ttl has passed', async () => {
      await components.cache.set('ttl:short', 'soon gone', 1);
      await components.cache.set('ttl:none', 'stays');
      expect(await components.cache.get('ttl:short')).toBe('soon gone');
      await sleep(1150);
      expect(await components.cache.get('ttl:short')).toBeNull();
      expect(await components.cache.keys('ttl:')).toEqual(['ttl:none']);
      expect(await components.cache.get('ttl:none')).toBe('stays');
    });

    it('lists and deletes exactly the keys under a prefix', async () => {
      const creatorA = randomUUID();
      const creatorB = randomUUID();
      await components.cache.set(`session:creator_${creatorA}:1`, 'a1');
      await components.cache.set(`session:creator_${creatorA}:2`, 'a2');
      await components.cache.set(`session:creator_${creatorB}:1`, 'b1');
      expect((await components.cache.keys(`session:creator_${creatorA}:`)).sort()).toEqual([
        `session:creator_${creatorA}:1`,
        `session:creator_${creatorA}:2`,
      ]);
      expect(await components.cache.deleteByPrefix(`session:creator_${creatorA}:`)).toBe(2);
      expect(await components.cache.keys(`session:creator_${creatorA}:`)).toEqual([]);
      expect(await components.cache.get(`session:creator_${creatorB}:1`)).toBe('b1');
      expect(await components.cache.deleteByPrefix(`session:creator_${creatorA}:`)).toBe(0);
    });
    it('deletes the keys matching a glob, such as one member across key types', async () => {
      const creatorA = randomUUID();
      const creatorB = randomUUID();
      const keys = [
        `session:creator_${creatorA}:member_1`,
        `presence:creator_${creatorA}:member_1:ws-3`,
        `session:creator_${creatorA}:member_2`,
        `session:creator_${creatorB}:member_1`,
      ];
      for (const key of keys) await components.cache.set(key, 'x');
      expect(await components.cache.deleteMatching(`*:creator_${creatorA}:member_1*`)).toBe(2);
      expect(await components.cache.get(keys[0]!)).toBeNull();
      expect(await components.cache.get(keys[1]!)).toBeNull();
      expect(await components.cache.get(keys[2]!)).toBe('x');
      expect(await components.cache.get(keys[3]!)).toBe('x');
      expect(await components.cache.deleteMatching(`*:creator_${creatorA}:member_1*`)).toBe(0);
    });

    it('treats every character but * literally in a deleteMatching pattern', async () => {
      const id = randomUUID();
      await components.cache.set(`odd:${id}:a.b+(c)?[d]`, 'literal');
      await components.cache.set(`odd:${id}:aXb+(c)1d`, 'lookalike');
      await components.cache.set(`odd:${id}:a.bb+(c)?[d]`, 'another lookalike');
      expect(await components.cache.deleteMatching(`odd:${id}:a.b+(c)?[d]`)).toBe(1);
      expect(await components.cache.get(`odd:${id}:a.b+(c)?[d]`)).toBeNull();
      expect(await components.cache.keys(`odd:${id}:`)).toHaveLength(2);
    });

    it('treats glob characters in a prefix literally', async () => {
      const id = randomUUID();
      await components.cache.set(`glob:${id}:[ab]*:1`, 'literal');
      await components.cache.set(`glob:${id}:a-other`, 'lookalike');
      expect(await components.cache.keys(`glob:${id}:[ab]*`)).toEqual([`glob:${id}:[ab]*:1`]);
      expect(await components.cache.deleteByPrefix(`glob:${id}:[ab]*`)).toBe(1);
      expect(await components.cache.get(`glob:${id}:a-other`)).toBe('lookalike');
    });
  });

  describe('rate limiter', () => {
    it('allows `limit` hits per window, then refuses with the time left', async () => {
      const key = `login:${randomUUID()}`;
      const decisions = [];
      for (let hit = 0; hit < 4; hit += 1) {
        decisions.push(await components.rateLimiter.consume(key, { limit: 3, windowMs: 60_000 }));
      }
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
      expect(decisions.map((decision) => decision.remaining)).toEqual([2, 1, 0, 0]);
      expect(decisions.slice(0, 3).every((decision) => decision.retryAfterMs === 0)).toBe(true);
      expect(decisions[3]!.retryAfterMs).toBeGreaterThan(55_000);
      expect(decisions[3]!.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('opens a fresh window once the previous one has passed', async () => {
      const key = `login:${randomUUID()}`;
      await components.rateLimiter.consume(key, { limit: 1, windowMs: 300 });
      expect((await components.rateLimiter.consume(key, { limit: 1, windowMs: 300 })).allowed).toBe(false);
      await sleep(400);
      const next = await components.rateLimiter.consume(key, { limit: 1, windowMs: 300 });
      expect(next).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    });

    it('keeps separate counts per key and starts over after a reset', async () => {
      const key = `login:${randomUUID()}`;
      const other = `login:${randomUUID()}`;
      await components.rateLimiter.consume(key, { limit: 1, windowMs: 60_000 });
      expect((await components.rateLimiter.consume(key, { limit: 1, windowMs: 60_000 })).allowed).toBe(false);
      expect((await components.rateLimiter.consume(other, { limit: 1, windowMs: 60_000 })).allowed).toBe(
        true,
      );
      await components.rateLimiter.reset(key);
      expect((await components.rateLimiter.consume(key, { limit: 1, windowMs: 60_000 })).allowed).toBe(true);
    });
  });

  describe('pub/sub', () => {
    it('delivers a published message to every subscriber of the channel, not to others', async () => {
      const channel = `events:${randomUUID()}`;
      const first: string[] = [];
      const second: string[] = [];
      const elsewhere: string[] = [];
      const stopFirst = await components.pubsub.subscribe(channel, (message) => first.push(message));
      const stopSecond = await components.pubsub.subscribe(channel, (message) => second.push(message));
      const stopElsewhere = await components.pubsub.subscribe(`${channel}:other`, (message) =>
        elsewhere.push(message),
      );
      await components.pubsub.publish(channel, '{"type":"message.created"}');
      await waitFor(() => first.length === 1 && second.length === 1);
      expect(first).toEqual(['{"type":"message.created"}']);
      expect(second).toEqual(['{"type":"message.created"}']);
      expect(elsewhere).toEqual([]);
      await Promise.all([stopFirst(), stopSecond(), stopElsewhere()]);
    });

    it('stops delivering to a handler after it unsubscribes, while others still receive', async () => {
      const channel = `events:${randomUUID()}`;
      const leaving: string[] = [];
      const staying: string[] = [];
      const unsubscribe = await components.pubsub.subscribe(channel, (message) => leaving.push(message));
      const stopStaying = await components.pubsub.subscribe(channel, (message) => staying.push(message));
      await unsubscribe();
      await components.pubsub.publish(channel, 'after');
      await waitFor(() => staying.length === 1);
      expect(leaving).toEqual([]);
      await stopStaying();
    });

    it('delivers nothing once the last handler of a channel has gone', async () => {
      const channel = `events:${randomUUID()}`;
      const received: string[] = [];
      const unsubscribe = await components.pubsub.subscribe(channel, (message) => received.push(message));
      await components.pubsub.publish(channel, 'before');
      await waitFor(() => received.length === 1);
      await unsubscribe();
      await components.pubsub.publish(channel, 'after');
      // A sentinel on a second channel proves the publish round trip finished before we look.
      const sentinel: string[] = [];
      const stopSentinel = await components.pubsub.subscribe(`${channel}:sentinel`, (message) =>
        sentinel.push(message),
      );
      await components.pubsub.publish(`${channel}:sentinel`, 'done');
      await waitFor(() => sentinel.length === 1);
      expect(received).toEqual(['before']);
      await stopSentinel();
    });
  });

  describe('conversation memory', () => {
    it('answers null for a conversation it does not hold, so the caller reloads from SQL', async () => {
      expect(await components.memory.recent(randomUUID(), 'conversation-x', 10)).toBeNull();
    });

    it('returns the most recent turns in order, oldest first', async () => {
      const creatorId = randomUUID();
      for (let index = 1; index <= 5; index += 1) {
        await components.memory.append(creatorId, 'c1', turn(index, index % 2 ? 'user' : 'assistant'));
      }
      expect(await components.memory.recent(creatorId, 'c1', 3)).toEqual([
        turn(3),
        turn(4, 'assistant'),
        turn(5),
      ]);
      expect(await components.memory.recent(creatorId, 'c1', 100)).toHaveLength(5);
    });

    it('keeps conversations of different creators apart even with the same conversation id', async () => {
      const creatorA = randomUUID();
      const creatorB = randomUUID();
      await components.memory.append(creatorA, 'shared-id', turn(1));
      await components.memory.append(creatorB, 'shared-id', turn(2));
      expect(await components.memory.recent(creatorA, 'shared-id', 10)).toEqual([turn(1)]);
      expect(await components.memory.recent(creatorB, 'shared-id', 10)).toEqual([turn(2)]);
    });

    it('keeps only the newest 50 turns of a long conversation', async () => {
      const creatorId = randomUUID();
      for (let index = 1; index <= 55; index += 1)
        await components.memory.append(creatorId, 'long', turn(index));
      const turns = await components.memory.recent(creatorId, 'long', 1000);
      expect(turns).toHaveLength(50);
      expect(turns![0]).toEqual(turn(6));
      expect(turns!.at(-1)).toEqual(turn(55));
    });

    it('replaces the held turns, trimming to the newest 50', async () => {
      const creatorId = randomUUID();
      await components.memory.append(creatorId, 'c2', turn(1));
      await components.memory.replace(creatorId, 'c2', [turn(10), turn(11, 'assistant')]);
      expect(await components.memory.recent(creatorId, 'c2', 10)).toEqual([turn(10), turn(11, 'assistant')]);
      const many = Array.from({ length: 60 }, (_, index) => turn(index + 100));
      await components.memory.replace(creatorId, 'c2', many);
      const held = await components.memory.recent(creatorId, 'c2', 1000);
      expect(held).toHaveLength(50);
      expect(held![0]).toEqual(turn(110));
    });

    it('leaves no stale turns after a replace with none', async () => {
      const creatorId = randomUUID();
      await components.memory.append(creatorId, 'c3', turn(1));
      await components.memory.replace(creatorId, 'c3', []);
      expect((await components.memory.recent(creatorId, 'c3', 10)) ?? []).toEqual([]);
    });

    it('forgets a conversation on clear', async () => {
      const creatorId = randomUUID();
      await components.memory.append(creatorId, 'c4', turn(1));
      await components.memory.clear(creatorId, 'c4');
      expect(await components.memory.recent(creatorId, 'c4', 10)).toBeNull();
    });

    it('refuses a creator id that is not a UUID', async () => {
      await expect(components.memory.append('not-a-uuid', 'c5', turn(1))).rejects.toThrow(/must be a UUID/);
    });
  });
});

describe.each(backends().filter((backend) => backend.usesRedis))('Redis layout on $name', (backend) => {
  let environment: TestEnvironment;
  let components: CacheComponents;
  let raw: Redis;
  let keyPrefix: string;

  beforeAll(async () => {
    environment = await createTestEnvironment(backend);
    const config = loadConfig(environment.env);
    keyPrefix = config.REDIS_KEY_PREFIX;
    components = createCacheComponents({ redisUrl: config.REDIS_URL, keyPrefix });
    raw = new Redis(config.REDIS_URL!);
  });
  afterAll(async () => {
    await raw?.quit();
    await components?.close();
    await environment?.cleanup();
  });

  it('stores every key under REDIS_KEY_PREFIX and reports keys without it', async () => {
    const creatorId = randomUUID();
    await components.cache.set('layout:plain', 'v');
    await components.rateLimiter.consume('layout:limit', { limit: 5, windowMs: 60_000 });
    await components.memory.append(creatorId, 'conv', turn(1));
    const stored = (await raw.keys(`${keyPrefix}*`)).sort();
    expect(stored).toEqual(
      [
        `${keyPrefix}layout:plain`,
        `${keyPrefix}memory:creator_${creatorId}:conv`,
        `${keyPrefix}ratelimit:layout:limit`,
      ].sort(),
    );
    expect(await components.cache.keys('layout:')).toEqual(['layout:plain']);
  });

  it('keeps its keys apart from a prefix its own would match as a glob', async () => {
    const id = randomBytes(4).toString('hex');
    const globPrefix = `glob[ab]_${id}:`;
    const plainPrefix = `globa_${id}:`;
    const withGlob = createCacheComponents({ redisUrl: process.env.REDIS_URL, keyPrefix: globPrefix });
    const plain = createCacheComponents({ redisUrl: process.env.REDIS_URL, keyPrefix: plainPrefix });
    try {
      await withGlob.cache.set('own:1', 'mine');
      await plain.cache.set('own:2', 'theirs');
      expect(await withGlob.cache.keys('own:')).toEqual(['own:1']);
      expect(await withGlob.cache.deleteMatching('own:*')).toBe(1);
      expect(await plain.cache.get('own:2')).toBe('theirs');
    } finally {
      await plain.cache.deleteByPrefix('');
      await withGlob.cache.deleteByPrefix('');
      await Promise.all([withGlob.close(), plain.close()]);
    }
  });

  it('expires conversation memory after a week of silence', async () => {
    const creatorId = randomUUID();
    await components.memory.append(creatorId, 'conv', turn(1));
    const ttl = await raw.ttl(`${keyPrefix}memory:creator_${creatorId}:conv`);
    expect(ttl).toBeGreaterThan(7 * 24 * 3600 - 10);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600);
  });

  it('drops its Redis subscription once the last handler of a channel unsubscribes', async () => {
    const channel = `layout-events:${randomUUID()}`;
    const first = await components.pubsub.subscribe(channel, () => {});
    const second = await components.pubsub.subscribe(channel, () => {});
    const count = async () => (await raw.pubsub('NUMSUB', channel))[1];
    expect(await count()).toBe(1);
    await first();
    expect(await count()).toBe(1);
    await second();
    expect(await count()).toBe(0);
  });

  it('answers ping while Redis is up and rejects once closed', async () => {
    const config = loadConfig(environment.env);
    const own = createCacheComponents({ redisUrl: config.REDIS_URL, keyPrefix });
    await expect(own.ping()).resolves.toBeUndefined();
    await own.close();
    await expect(own.ping()).rejects.toThrow();
  });
});

describe('in-process stores with a controlled clock', () => {
  it('sweeps expired entries so they no longer count as keys', async () => {
    let now = 1_000_000;
    const cache = createInProcessCache(() => now);
    await cache.set('a:1', 'x', 10);
    await cache.set('a:2', 'y');
    now += 10_000;
    cache.sweep();
    expect(await cache.deleteByPrefix('a:')).toBe(1);
  });

  it('reports the exact time left in the window', async () => {
    let now = 5_000;
    const limiter = createInProcessRateLimiter(() => now);
    await limiter.consume('k', { limit: 1, windowMs: 1000 });
    now += 400;
    expect(await limiter.consume('k', { limit: 1, windowMs: 1000 })).toEqual({
      allowed: false,
      remaining: 0,
      retryAfterMs: 600,
    });
    now += 600;
    expect((await limiter.consume('k', { limit: 1, windowMs: 1000 })).allowed).toBe(true);
  });
});

describe('in-process components', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sweeps expired entries every minute so forgotten keys do not pile up', async () => {
    vi.useFakeTimers();
    const components = createInProcessComponents();
    try {
      await components.cache.set('forgotten:1', 'x', 1);
      await components.cache.set('kept:1', 'y');
      vi.advanceTimersByTime(61_000);
      expect(await components.cache.deleteByPrefix('forgotten:')).toBe(0);
      expect(await components.cache.get('kept:1')).toBe('y');
    } finally {
      await components.close();
    }
  });
});
