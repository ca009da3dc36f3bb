import { backends } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Body, headerOf, type RegisteredAccount, registerAccount } from './auth-fixtures';
import { startAuthServer } from './auth-test-server';

const jwksPaths = ['/.well-known/jwks.json', '/api/auth/jwks.json'];

describe.each(backends())('signing keys and the JWKS on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;
  let ana: RegisteredAccount;

  const jwks = async (path = jwksPaths[0]!) => (await http.get<JSONWebKeySet>(path)).body;

  beforeAll(async () => {
    server = await startAuthServer(backend, {
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    http = createHttpClient(server.baseUrl);
    ana = await registerAccount(http, { label: 'ana' });
  });
  afterAll(async () => server?.close());

  it.each(jwksPaths)('publishes the RS256 public key whose kid signs access tokens at %s', async (path) => {
    const response = await http.get<Body>(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    expect(response.body.keys).toHaveLength(1);
    const [key] = response.body.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB', kid: expect.any(String) });
    expect(key.n.length).toBeGreaterThanOrEqual(342);
    for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(privatePart);
    expect(headerOf(ana.accessToken).kid).toBe(key.kid);
  });

  it('serves the same key set at both paths, and a third party verifies tokens with it', async () => {
    expect(await jwks(jwksPaths[1])).toEqual(await jwks(jwksPaths[0]));
    const { payload } = await jwtVerify(ana.accessToken, createLocalJWKSet(await jwks()), {
      issuer: server.config.PUBLIC_URL,
      audience: 'companero',
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({ sub: ana.accountId, cid: ana.creatorId, typ: 'staff' });
  });
});
