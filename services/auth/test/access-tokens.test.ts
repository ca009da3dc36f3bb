import { createHmac, randomUUID } from 'node:crypto';
import { backends } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import {
  type CryptoKey,
  exportSPKI,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  headerOf,
  joinTeam,
  type RegisteredAccount,
  registerAccount,
  type Session,
} from './auth-fixtures';
import { startAuthServer } from './auth-test-server';

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

describe.each(backends())('access token verification on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;
  let ana: RegisteredAccount;
  let viewer: Session;
  let realKey: { kid: string; privateKey: CryptoKey };
  let foreignKey: CryptoKey;

  const claimsFor = (account: RegisteredAccount): JWTPayload => ({
    typ: 'staff',
    sub: account.accountId,
    cid: account.creatorId,
    role: 'owner',
    jti: randomUUID(),
  });

  /** Signs like the auth service does, with every part overridable. */
  const sign = (
    payload: JWTPayload,
    options: { key?: CryptoKey; kid?: string; issuer?: string; audience?: string; expiresAt?: number } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? realKey.kid })
      .setIssuer(options.issuer ?? server.config.PUBLIC_URL)
      .setAudience(options.audience ?? 'companero')
      .setIssuedAt(now - 60)
      .setExpirationTime(options.expiresAt ?? now + 600)
      .sign(options.key ?? realKey.privateKey);
  };

  const expectRejected = async (token: string) => {
    const response = await http.get<Body>('/api/auth/me', { token });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe('INVALID_TOKEN');
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    return response;
  };

  beforeAll(async () => {
    server = await startAuthServer(backend);
    http = createHttpClient(server.baseUrl);
    ana = await registerAccount(http, { label: 'ana' });
    viewer = await joinTeam(http, {
      ownerToken: ana.accessToken,
      creatorId: ana.creatorId,
      account: await registerAccount(http, { label: 'viewer' }),
      role: 'viewer',
    });
    // The real signing key, decrypted the way the auth service does it, to forge tokens that differ from a
    // genuine one in exactly one respect.
    const [row] = (
      await server.runtime.database.query<{ kid: string; private_key_ciphertext: string }>(
        `select kid, private_key_ciphertext from signing_keys where status = 'active'`,
      )
    ).rows;
    realKey = {
      kid: row!.kid,
      privateKey: await importPKCS8(server.runtime.secretBox.decrypt(row!.private_key_ciphertext), 'RS256'),
    };
    foreignKey = (await generateKeyPair('RS256', { extractable: true })).privateKey;
  });
  afterAll(async () => server?.close());

  it('accepts a token signed with the real key and the right claims (the control for the cases below)', async () => {
    expect(headerOf(ana.accessToken).kid).toBe(realKey.kid);
    const response = await http.get<Body>('/api/auth/me', { token: await sign(claimsFor(ana)) });
    expect(response.status).toBe(200);
    expect(response.body.account.id).toBe(ana.accountId);
  });

  it('rejects an expired token', async () => {
    const response = await expectRejected(
      await sign(claimsFor(ana), { expiresAt: Math.floor(Date.now() / 1000) - 1 }),
    );
    expect(response.body.detail).toBe('The access token has expired.');
  });

  it('rejects a token for another audience or from another issuer', async () => {
    await expectRejected(await sign(claimsFor(ana), { audience: 'someone-else' }));
    await expectRejected(await sign(claimsFor(ana), { issuer: 'https://evil.example.com' }));
  });

  it('rejects a token signed with another RSA key, under the real kid or its own', async () => {
    await expectRejected(await sign(claimsFor(ana), { key: foreignKey }));
    await expectRejected(await sign(claimsFor(ana), { key: foreignKey, kid: 'attacker-key' }));
  });

  it('rejects a genuine token whose payload was changed', async () => {
    const [header, payload, signature] = viewer.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    expect(claims.role).toBe('viewer');
    const promoted = base64url(JSON.stringify({ ...claims, role: 'owner' }));
    await expectRejected(`${header}.${promoted}.${signature}`);
    const untouched = await http.get('/api/auth/team', { token: viewer.accessToken });
    expect(untouched.status).toBe(200);
  });

  it('rejects an unsigned token (alg none)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        ...claimsFor(ana),
        iss: server.config.PUBLIC_URL,
        aud: 'companero',
        iat: now,
        exp: now + 600,
      }),
    );
    await expectRejected(`${header}.${payload}.`);
  });

  it('rejects an HS256 token keyed with the published public key', async () => {
    const jwks = (await http.get<Body>('/.well-known/jwks.json')).body;
    const publicPem = await exportSPKI(
      (await importJWK(jwks.keys[0], 'RS256', { extractable: true })) as CryptoKey,
    );
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: realKey.kid }));
    const payload = base64url(
      JSON.stringify({
        ...claimsFor(ana),
        iss: server.config.PUBLIC_URL,
        aud: 'companero',
        iat: now,
        exp: now + 600,
      }),
    );
    for (const secret of [publicPem, jwks.keys[0].n]) {
      const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      await expectRejected(`${header}.${payload}.${signature}`);
    }
  });

  it('rejects a validly signed token without Compañero claims', async () => {
    const { typ: _typ, ...withoutType } = claimsFor(ana);
    const response = await expectRejected(await sign(withoutType));
    expect(response.body.detail).toBe('The token does not carry Compañero claims.');
    await expectRejected(await sign({ ...claimsFor(ana), typ: 'member', role: 'owner' }));
  });

  it('rejects what is not a JWT', async () => {
    await expectRejected('not.a.jwt');
    await expectRejected('abc');
  });
});
