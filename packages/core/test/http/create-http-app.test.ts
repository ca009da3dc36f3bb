import { Agent, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@companero/core/config/load-config';
import { AppError } from '@companero/core/errors/app-error';
import { createHttpApp, type HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const testConfig = (env: Record<string, string> = {}) =>
  loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', LOG_FORMAT: 'json', BODY_LIMIT_BYTES: '2048', ...env });

type CheckState = 'ok' | 'failing' | 'hanging';

/** An app built by the kit, with the kinds of routes services register. */
const buildApp = async (readiness: Record<string, () => Promise<void>>, env?: Record<string, string>) => {
  const app = await createHttpApp({ service: 'kit-test', config: testConfig(env), readiness });
  app.post(
    '/items',
    {
      schema: {
        body: z.object({ name: z.string().min(2), quantity: z.number().int().positive() }),
        response: { 201: z.object({ id: z.string(), name: z.string() }), ...problemResponses(409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send({ id: 'item-1', name: request.body.name }),
  );
  app.get('/items/:id', { schema: { params: z.object({ id: z.string() }) } }, async (request) => ({
    id: request.params.id,
  }));
  app.get('/conflict', async () => {
    throw new AppError('EMAIL_TAKEN', { message: 'That email already has an account.' });
  });
  app.get('/crash', async () => {
    throw new Error('relation "members" does not exist at db-7.internal');
  });
  app.get('/database-down', async () => {
    throw new Error('could not list members', {
      cause: Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432'), { code: 'ECONNREFUSED' }),
    });
  });
  app.get('/teapot', async () => {
    throw Object.assign(new Error('The upstream plugin refused.'), { statusCode: 409 });
  });
  app.get('/pressure', async () => {
    throw Object.assign(new Error('Service under pressure'), { statusCode: 429 });
  });
  app.get(
    '/wrong-shape',
    { schema: { response: { 200: z.object({ ok: z.literal(true) }) } } },
    async () => ({ ok: 'certainly' }) as unknown as { ok: true },
  );
  app.get('/whoami', async (request) => ({ ip: request.ip }));
  return app;
};

describe('createHttpApp', () => {
  let app: HttpApp;
  let dbState: CheckState = 'ok';

  beforeAll(async () => {
    app = await buildApp({
      db: async () => {
        if (dbState === 'failing') throw new Error('connect ECONNREFUSED');
        if (dbState === 'hanging') await new Promise((resolve) => setTimeout(resolve, 10_000).unref());
      },
      cache: async () => {},
    });
  });
  afterAll(async () => app?.close());

  describe('problem+json errors', () => {
    it('answers 400 MALFORMED_JSON as problem+json for a body that is not JSON', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/items',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": "Ana",',
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({
        type: 'https://companero.dev/problems/malformed-json',
        title: 'Malformed JSON body',
        status: 400,
        code: 'MALFORMED_JSON',
        instance: '/items',
      });
    });

    it('answers 400 MALFORMED_JSON for an empty JSON body', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/items',
        headers: { 'content-type': 'application/json' },
        payload: '',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('MALFORMED_JSON');
    });

    it('answers 422 with one {path, message} per schema violation', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/items',
        payload: { name: 'A', quantity: -1 },
      });
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toContain('application/problem+json');
      const body = response.json();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.detail).toBe('The request body is not valid.');
      expect(body.errors).toHaveLength(2);
      expect(body.errors.map((issue: { path: string }) => issue.path).sort()).toEqual([
        'body.name',
        'body.quantity',
      ]);
      for (const issue of body.errors) expect(issue.message.length).toBeGreaterThan(0);
    });

    it('accepts a body that matches the schema', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/items',
        payload: { name: 'Tea', quantity: 2 },
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({ id: 'item-1', name: 'Tea' });
    });

    it('answers 413 PAYLOAD_TOO_LARGE for a body over BODY_LIMIT_BYTES', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/items',
        payload: { name: 'x'.repeat(4096), quantity: 1 },
      });
      expect(response.statusCode).toBe(413);
      expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    });

    it('answers 415 UNSUPPORTED_MEDIA_TYPE for a content type no parser knows', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/items',
        headers: { 'content-type': 'application/xml' },
        payload: '<item/>',
      });
      expect(response.statusCode).toBe(415);
      expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers 404 NOT_FOUND as problem+json for an unknown route', async () => {
      const response = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json()).toMatchObject({
        code: 'NOT_FOUND',
        detail: 'No route for GET /nowhere.',
        instance: '/nowhere',
      });
    });

    it('answers 405 with an Allow header when the path exists with another method', async () => {
      const response = await app.inject({ method: 'DELETE', url: '/items/42' });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
      expect(response.json()).toMatchObject({
        code: 'METHOD_NOT_ALLOWED',
        detail: 'DELETE is not allowed here. Allowed: GET, HEAD.',
      });
    });

    it('lists the method of a parameterless path in Allow too', async () => {
      const response = await app.inject({ method: 'PUT', url: '/items' });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('POST');
    });

    it('renders an AppError thrown by a handler with its status, code and message', async () => {
      const response = await app.inject({ method: 'GET', url: '/conflict' });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({
        code: 'EMAIL_TAKEN',
        detail: 'That email already has an account.',
        title: 'Email already registered',
      });
    });

    it('answers an unexpected error with a generic 500 that leaks no message and no stack', async () => {
      const response = await app.inject({ method: 'GET', url: '/crash' });
      expect(response.statusCode).toBe(500);
      const body = response.json();
      expect(body).toEqual({
        type: 'https://companero.dev/problems/internal',
        title: 'Internal server error',
        status: 500,
        detail: 'Something went wrong on our side. The error has been logged; please try again.',
        code: 'INTERNAL',
        instance: '/crash',
      });
      expect(response.body).not.toContain('members');
      expect(response.body).not.toContain('at ');
    });

    it('answers 503 with Retry-After when the database cannot be reached', async () => {
      const response = await app.inject({ method: 'GET', url: '/database-down' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json().code).toBe('SERVICE_UNAVAILABLE');
      expect(response.body).not.toContain('10.1.2.3');
    });

    it('answers 500 when a handler returns a body that breaks its response schema', async () => {
      const response = await app.inject({ method: 'GET', url: '/wrong-shape' });
      expect(response.statusCode).toBe(500);
      expect(response.json().code).toBe('INTERNAL');
      expect(response.body).not.toContain('certainly');
    });

    it('maps another client error status from a plugin to 400 BAD_REQUEST with its message', async () => {
      const response = await app.inject({ method: 'GET', url: '/teapot' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'BAD_REQUEST', detail: 'The upstream plugin refused.' });
    });

    it('maps a 429 from a plugin to RATE_LIMITED', async () => {
      const response = await app.inject({ method: 'GET', url: '/pressure' });
      expect(response.statusCode).toBe(429);
      expect(response.json()).toMatchObject({ code: 'RATE_LIMITED', detail: 'Service under pressure' });
    });
  });

  describe('request ids and headers', () => {
    it('echoes a valid incoming x-request-id', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/items/1',
        headers: { 'x-request-id': 'edge-7f3a.9:1' },
      });
      expect(response.headers['x-request-id']).toBe('edge-7f3a.9:1');
    });

    it('generates a UUID request id when none is sent', async () => {
      const response = await app.inject({ method: 'GET', url: '/items/1' });
      expect(response.headers['x-request-id']).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    });

    it('replaces an invalid or oversized incoming request id with a generated one', async () => {
      for (const incoming of ['id with spaces', '<script>', 'a'.repeat(129)]) {
        const response = await app.inject({
          method: 'GET',
          url: '/items/1',
          headers: { 'x-request-id': incoming },
        });
        expect(response.headers['x-request-id']).not.toBe(incoming);
        expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      }
    });

    it('sends the request id on error responses too', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/nowhere',
        headers: { 'x-request-id': 'trace-404' },
      });
      expect(response.headers['x-request-id']).toBe('trace-404');
    });

    it('sets helmet security headers with the Compañero content security policy', async () => {
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['strict-transport-security']).toContain('max-age=');
      expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self' ws: wss:");
    });

    it('sends no CORS grant when CORS_ORIGINS is empty', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/items/1',
        headers: { origin: 'https://evil.example' },
      });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('ignores a trailing slash', async () => {
      const response = await app.inject({ method: 'GET', url: '/items/7/' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ id: '7' });
    });

    it('does not trust X-Forwarded-For by default', async () => {
      const response = await app.inject({
        method: 'GET',
        url: '/whoami',
        remoteAddress: '10.0.0.5',
        headers: { 'x-forwarded-for': '203.0.113.7' },
      });
      expect(response.json()).toEqual({ ip: '10.0.0.5' });
    });
  });

  describe('health and readiness', () => {
    it('answers /health with ok', async () => {
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });

    it('answers /ready 200 with every check ok when every dependency answers', async () => {
      dbState = 'ok';
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', checks: { db: 'ok', cache: 'ok' } });
    });

    it("answers /ready 503 naming the check 'down' when it rejects", async () => {
      dbState = 'failing';
      const response = await app.inject({ method: 'GET', url: '/ready' });
      dbState = 'ok';
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: 'unavailable', checks: { db: 'down', cache: 'ok' } });
    });

    it("answers /ready 503 naming the check 'down' when it hangs past the 2 s timeout", async () => {
      dbState = 'hanging';
      const startedAt = Date.now();
      const response = await app.inject({ method: 'GET', url: '/ready' });
      const elapsed = Date.now() - startedAt;
      dbState = 'ok';
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ status: 'unavailable', checks: { db: 'down', cache: 'ok' } });
      expect(elapsed).toBeGreaterThanOrEqual(1900);
      expect(elapsed).toBeLessThan(5000);
    });
  });

  describe('metrics and documentation', () => {
    it('counts requests in /metrics by route pattern, never by raw URL', async () => {
      await app.inject({ method: 'GET', url: '/items/metric-probe-1' });
      await app.inject({ method: 'GET', url: '/items/metric-probe-2' });
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/plain');
      const text = response.body;
      const line = text
        .split('\n')
        .find(
          (candidate) =>
            candidate.startsWith('http_requests_total{') &&
            candidate.includes('route="/items/:id"') &&
            candidate.includes('status="200"'),
        );
      expect(line).toBeDefined();
      expect(line).toContain('method="GET"');
      expect(line).toContain('service="kit-test"');
      expect(Number(line!.split(' ').at(-1))).toBeGreaterThanOrEqual(2);
      expect(text).not.toContain('metric-probe');
      expect(text).toContain('http_request_duration_seconds_bucket');
      expect(text).toContain('process_cpu_user_seconds_total');
    });

    it('counts unmatched requests under one label', async () => {
      await app.inject({ method: 'GET', url: '/no-such-page-123' });
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(text).not.toContain('no-such-page-123');
      expect(text).toMatch(/http_requests_total\{[^}]*status="404"[^}]*\} \d+/);
    });

    it('serves an OpenAPI 3.1.0 document generated from the zod schemas', async () => {
      const response = await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(response.statusCode).toBe(200);
      const document = response.json();
      expect(document.openapi).toBe('3.1.0');
      expect(document.info.title).toBe('Compañero kit-test API');
      expect(document.components.securitySchemes.bearerAuth).toEqual({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
      });
      const createItem = document.paths['/items'].post;
      expect(createItem.requestBody.content['application/json'].schema.required).toEqual([
        'name',
        'quantity',
      ]);
      expect(Object.keys(createItem.responses).sort()).toEqual(['201', '409', '422']);
      expect(createItem.responses['422'].description).toBe('RFC 9457 problem details');
      expect(document.paths['/health']).toBeDefined();
      expect(document.paths['/openapi.json']).toBeUndefined();
      expect(document.paths['/metrics']).toBeUndefined();
    });

    it('serves interactive documentation at /docs', async () => {
      const response = await app.inject({ method: 'GET', url: '/docs' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).toContain('swagger-ui');
    });
  });
});

describe('createHttpApp with optional settings', () => {
  it('answers CORS preflights for the configured origins only', async () => {
    const app = await buildApp({}, { CORS_ORIGINS: 'https://coach.example' });
    try {
      const allowed = await app.inject({
        method: 'OPTIONS',
        url: '/items',
        headers: { origin: 'https://coach.example', 'access-control-request-method': 'POST' },
      });
      expect(allowed.statusCode).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://coach.example');
      const refused = await app.inject({
        method: 'GET',
        url: '/items/1',
        headers: { origin: 'https://evil.example' },
      });
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      const simple = await app.inject({
        method: 'GET',
        url: '/items/1',
        headers: { origin: 'https://coach.example' },
      });
      expect(simple.headers['access-control-allow-origin']).toBe('https://coach.example');
      expect(simple.headers['access-control-expose-headers']).toBe('x-request-id, retry-after');
    } finally {
      await app.close();
    }
  });

  it('takes the client address from X-Forwarded-For when TRUST_PROXY is on', async () => {
    const app = await buildApp({}, { TRUST_PROXY: 'true' });
    try {
      const response = await app.inject({
        method: 'GET',
        url: '/whoami',
        remoteAddress: '10.0.0.5',
        headers: { 'x-forwarded-for': '203.0.113.7' },
      });
      expect(response.json()).toEqual({ ip: '203.0.113.7' });
    } finally {
      await app.close();
    }
  });

  it('serves no /metrics when METRICS_ENABLED is false', async () => {
    const app = await buildApp({}, { METRICS_ENABLED: 'false' });
    try {
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('NOT_FOUND');
    } finally {
      await app.close();
    }
  });

  it('answers /ready 200 with no checks when a service has no dependencies', async () => {
    const app = await buildApp({});
    try {
      const response = await app.inject({ method: 'GET', url: '/ready' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', checks: {} });
    } finally {
      await app.close();
    }
  });
});

describe('createHttpApp shutdown', () => {
  it('lets a request in flight finish on a keep-alive connection, then closes without waiting for the keep-alive timeout', async () => {
    const app = await buildApp({});
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/slow', async () => {
      await released;
      return { done: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    // A keep-alive client, like nginx with upstream keepalive.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/slow', agent }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        }).on('error', reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const startedClosingAt = Date.now();
      const closed = app.close();
      setTimeout(release, 200);
      expect(await slow).toEqual({ status: 200, body: '{"done":true}' });
      await closed;
      expect(Date.now() - startedClosingAt).toBeLessThan(3_000);
    } finally {
      agent.destroy();
    }
  });
});
