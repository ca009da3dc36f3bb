import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { loadConfig } from '@companero/core/config/load-config';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { createRuntime, type Runtime } from '@companero/db/runtime';
import { buildServerApp, startWorkers } from '@companero/server/server-app';
import {
  type Backend,
  backends,
  createTestEnvironment,
  type TestEnvironment,
} from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Body, login, type RegisteredAccount, registerAccount } from './auth-fixtures';
import { startAuthServer } from './auth-test-server';

describe.each(backends())('health, readiness and the API description on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startAuthServer(backend);
    http = createHttpClient(server.baseUrl);
  });
  afterAll(async () => server?.close());

  it('answers /health with ok', async () => {
    const response = await http.get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers /ready with 200 and every dependency ok', async () => {
    const response = await http.get('/ready');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: 'ok',
      checks: backend.usesRedis ? { db: 'ok', redis: 'ok' } : { db: 'ok' },
    });
  });

  it('describes every auth endpoint in /openapi.json', async () => {
    const response = await http.get<Body>('/openapi.json');
    expect(response.status).toBe(200);
    const operations = Object.entries(response.body.paths as Record<string, Body>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /api/auth/register',
        'POST /api/auth/login',
        'POST /api/auth/refresh',
        'POST /api/auth/logout',
        'POST /api/auth/switch',
        'GET /api/auth/me',
        'GET /api/auth/me/export',
        'DELETE /api/auth/me',
        'GET /api/auth/team',
        'POST /api/auth/team',
        'PATCH /api/auth/team/{accountId}',
        'DELETE /api/auth/team/{accountId}',
        'POST /api/auth/invitations/accept',
        'POST /api/auth/members/code',
        'POST /api/auth/members/verify',
        'GET /api/auth/audit',
        'GET /.well-known/jwks.json',
        'GET /api/auth/jwks.json',
      ]),
    );
  });

  it('counts auth requests by route pattern in /metrics', async () => {
    await http.post('/api/auth/login', { email: 'metrics@example.com', password: 'whatever it is' });
    const response = await http.get<string>('/metrics');
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/http_requests_total\{[^}]*route="\/api\/auth\/login"[^}]*status="401"/);
  });
});

/**
 * A TCP relay in front of PostgreSQL that a test can cut and restore: the database becomes unreachable for
 * the server (refused connections, dropped sessions) exactly as when its host goes away.
 */
const startRelay = async (target: { host: string; port: number }) => {
  const sockets = new Set<Socket>();
  let listener: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        listener = server;
        resolve();
      });
    });
  const cut = async () => {
    const server = listener;
    listener = undefined;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return { port, cut, restore: listen, isUp: () => listener !== undefined };
};

describe.each(backends().filter((backend: Backend) => backend.usesPostgres))(
  'a database outage on $name',
  (backend) => {
    let environment: TestEnvironment;
    let relay: Awaited<ReturnType<typeof startRelay>>;
    let runtime: Runtime;
    let app: HttpApp;
    let http: HttpClient;
    let ana: RegisteredAccount;

    beforeAll(async () => {
      // The server reaches its private database through the relay, otherwise it starts as startTestServer does.
      environment = await createTestEnvironment(backend);
      const databaseUrl = new URL(environment.env.DATABASE_URL!);
      relay = await startRelay({ host: databaseUrl.hostname, port: Number(databaseUrl.port || 5432) });
      databaseUrl.host = `127.0.0.1:${relay.port}`;
      const config = loadConfig({
        ...environment.env,
        DATABASE_URL: databaseUrl.toString(),
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
      });
      runtime = await createRuntime(config, { migrate: true });
      await runtime.jobs.start();
      app = await buildServerApp(runtime, ['auth']);
      await startWorkers(runtime, ['auth']);
      await app.listen({ host: '127.0.0.1', port: 0 });
      http = createHttpClient(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
      ana = await registerAccount(http, { label: 'ana' });
    });
    afterAll(async () => {
      if (relay && !relay.isUp()) await relay.restore();
      await app?.close();
      await runtime?.close();
      await relay?.cut();
      await environment?.cleanup();
    });

    it('answers /ready 503 and requests 503 while the database is unreachable, and recovers', async () => {
      await relay.cut();
      const ready = await http.get<Body>('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', checks: { db: 'down' } });
      expect((await http.get('/health')).status).toBe(200);

      const loginDown = await http.post<Body>('/api/auth/login', {
        email: ana.email,
        password: ana.password,
      });
      expect(loginDown.status).toBe(503);
      expect(loginDown.headers.get('content-type')).toContain('application/problem+json');
      expect(loginDown.headers.get('retry-after')).toBe('5');
      expect(loginDown.body).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(loginDown.body.detail).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect/i);
      const meDown = await http.get<Body>('/api/auth/me', { token: ana.accessToken });
      expect(meDown.status).toBe(503);

      await relay.restore();
      const readyAgain = await http.get<Body>('/ready');
      expect(readyAgain.status).toBe(200);
      await login(http, { email: ana.email, password: ana.password });
    });
  },
);
