import type { CacheComponents } from '@companero/core/cache/cache.types';
import { createCacheComponents } from '@companero/core/cache/cache-components';
import { loadConfig } from '@companero/core/config/load-config';
import { createHttpApp, type HttpApp } from '@companero/core/http/create-http-app';
import { backends, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe.each(backends())('HTTP rate limit on $name', (backend) => {
  let environment: TestEnvironment;
  let cache: CacheComponents;
  let app: HttpApp;

  beforeAll(async () => {
    environment = await createTestEnvironment(backend, { RATE_LIMIT_PER_MINUTE: '3' });
    const config = loadConfig(environment.env);
    cache = createCacheComponents({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX });
    app = await createHttpApp({ service: 'limit-test', config, readiness: {}, redis: cache.redis });
    app.get('/things', async () => ({ ok: true }));
  });
  afterAll(async () => {
    await app?.close();
    await cache?.close();
    await environment?.cleanup();
  });

  it('answers 429 problem+json with Retry-After once a client exceeds RATE_LIMIT_PER_MINUTE', async () => {
    const statuses: number[] = [];
    for (let request = 0; request < 3; request += 1) {
      statuses.push(
        (await app.inject({ method: 'GET', url: '/things', remoteAddress: '198.51.100.1' })).statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await app.inject({ method: 'GET', url: '/things', remoteAddress: '198.51.100.1' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json()).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      title: 'Too many requests',
      detail: `Too many requests. Try again in ${retryAfter} seconds.`,
    });
  });

  it('counts each client address separately', async () => {
    const response = await app.inject({ method: 'GET', url: '/things', remoteAddress: '198.51.100.2' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-ratelimit-limit']).toBe('3');
    expect(response.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('never limits health, readiness and metrics probes', async () => {
    for (let request = 0; request < 5; request += 1) {
      for (const url of ['/health', '/ready', '/metrics']) {
        const response = await app.inject({ method: 'GET', url, remoteAddress: '198.51.100.1' });
        expect(response.statusCode).toBe(200);
      }
    }
  });
});
