import { createAuthServices } from '@companero/auth/auth-services';
import { type Backend, backends } from '@companero/testing/backends';
import { createHttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Body, claimsOf, headerOf, login, registerAccount } from './auth-fixtures';
import { startAuthServer } from './auth-test-server';

const jwksPaths = ['/.well-known/jwks.json', '/api/auth/jwks.json'];

/** Polls `probe` until it returns a value, for state that reaches a running server on a timer. */
const eventually = async <T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

// A running server re-reads its active key once a minute, so this test waits about a minute; the backends
// run side by side to wait only once.
describe('signing key rotation', () => {
  const servers = new Map<Backend['name'], TestServer>();

  beforeAll(async () => {
    for (const backend of backends()) {
      servers.set(
        backend.name,
        await startAuthServer(backend, {
          LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
          RATE_LIMIT_PER_MINUTE: '100000',
        }),
      );
    }
  });
  afterAll(async () => {
    for (const server of servers.values()) await server.close();
  });

  it.concurrent.for(backends())(
    'after `keys rotate` on $name, keeps old tokens valid, publishes both keys and signs new tokens with the new one',
    { timeout: 180_000 },
    async (backend, { expect }) => {
      const server = servers.get(backend.name)!;
      const http = createHttpClient(server.baseUrl);
      const kids = async (path = jwksPaths[0]!) =>
        (await http.get<JSONWebKeySet>(path)).body.keys.map((key) => key.kid);
      const ana = await registerAccount(http, { label: 'ana' });
      const before = await login(http, { email: ana.email, password: ana.password });
      const oldKid = headerOf(before.accessToken).kid!;

      // The server re-reads its active key every 60 s from the moment it created its first key. Rotating a few
      // seconds before that re-read, right after the JWKS was served (and cached for 10 s), is the moment when
      // a stale key set would make the server reject the tokens it has just signed with the new key.
      const [first] = (
        await server.runtime.database.query<{ created_at: Date }>(
          'select created_at from signing_keys order by created_at limit 1',
        )
      ).rows;
      const firstReloadAt = new Date(first!.created_at).getTime() + 60_000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstReloadAt - 5_000 - Date.now())));
      expect(await kids()).toEqual([oldKid]);

      // what `companero keys rotate` runs, from outside the server's own key service
      const { kid: newKid } = await createAuthServices(server.runtime, server.app.log).keys.rotate();
      expect(newKid).not.toBe(oldKid);
      expect((await http.get('/api/auth/me', { token: before.accessToken })).status).toBe(200);

      const after = await eventually(async () => {
        const session = await login(http, { email: ana.email, password: ana.password });
        const me = await http.get('/api/auth/me', { token: session.accessToken });
        expect(me.status).toBe(200);
        return headerOf(session.accessToken).kid === newKid ? session : undefined;
      }, 90_000);
      for (const path of jwksPaths) expect((await kids(path)).sort()).toEqual([oldKid, newKid].sort());
      expect(claimsOf(after.accessToken).sub).toBe(ana.accountId);
      expect((await http.get('/api/auth/me', { token: before.accessToken })).status).toBe(200);
      const refreshed = await http.post<Body>('/api/auth/refresh', { refreshToken: before.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(headerOf(refreshed.body.accessToken).kid).toBe(newKid);
    },
  );
});
