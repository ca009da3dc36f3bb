import { backends } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  claimsOf,
  expectStatus,
  headerOf,
  joinTeam,
  login,
  type RegisteredAccount,
  registerAccount,
  strongPassword,
  uniqueEmail,
} from './auth-fixtures';
import { startAuthServer } from './auth-test-server';

describe.each(backends())('sign-in, /me and switch on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;
  let ana: RegisteredAccount;

  beforeAll(async () => {
    server = await startAuthServer(backend, {
      LOGIN_ATTEMPTS_PER_ACCOUNT_PER_15_MINUTES: '3',
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    http = createHttpClient(server.baseUrl);
    ana = await registerAccount(http, { label: 'ana' });
  });
  afterAll(async () => server?.close());

  describe('POST /api/auth/login', () => {
    it('returns an RS256 access token with the contract claims, a refresh token and the memberships', async () => {
      const response = await http.post<Body>('/api/auth/login', { email: ana.email, password: ana.password });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        expiresIn: 900,
        tokenType: 'Bearer',
        account: { id: ana.accountId, email: ana.email, name: ana.name },
        memberships: [
          {
            creatorId: ana.creatorId,
            creatorName: ana.creatorName,
            creatorSlug: ana.creatorSlug,
            role: 'owner',
          },
        ],
      });
      expect(response.body.refreshToken).toMatch(new RegExp(`^${ana.creatorId}\\.`));
      expect(headerOf(response.body.accessToken)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
      const claims = claimsOf(response.body.accessToken);
      expect(claims).toMatchObject({
        sub: ana.accountId,
        cid: ana.creatorId,
        role: 'owner',
        typ: 'staff',
        iss: server.config.PUBLIC_URL,
        aud: 'companero',
      });
      expect(claims.exp - claims.iat).toBe(900);
      expect(claims.jti).toEqual(expect.any(String));
      const me = await http.get('/api/auth/me', { token: response.body.accessToken });
      expect(me.status).toBe(200);
    });

    it('accepts the email in any case and with surrounding spaces', async () => {
      const response = await http.post('/api/auth/login', {
        email: `  ${ana.email.toUpperCase()} `,
        password: ana.password,
      });
      expect(response.status).toBe(200);
    });

    it('answers the same 401 for a wrong password and for an unknown email', async () => {
      const wrongPassword = await http.post<Body>('/api/auth/login', {
        email: ana.email,
        password: 'not the password at all',
      });
      const unknownEmail = await http.post<Body>('/api/auth/login', {
        email: uniqueEmail('nobody'),
        password: 'not the password at all',
      });
      expect(wrongPassword.status).toBe(401);
      expect(unknownEmail.status).toBe(401);
      expect(wrongPassword.headers.get('content-type')).toContain('application/problem+json');
      expect(wrongPassword.body).toEqual(unknownEmail.body);
      expect(wrongPassword.body.code).toBe('INVALID_CREDENTIALS');
      // a success clears the per-account count, so the failure above does not count against later tests
      await login(http, { email: ana.email, password: ana.password });
    });

    it('signs in to the creator named by creatorId', async () => {
      const bea = await registerAccount(http, { label: 'bea' });
      await joinTeam(http, {
        ownerToken: bea.accessToken,
        creatorId: bea.creatorId,
        account: ana,
        role: 'editor',
      });
      const response = await login(http, {
        email: ana.email,
        password: ana.password,
        creatorId: bea.creatorId,
      });
      expect(claimsOf(response.accessToken)).toMatchObject({ cid: bea.creatorId, role: 'editor' });
      expect(response.memberships.map((row: Body) => row.creatorId).sort()).toEqual(
        [ana.creatorId, bea.creatorId].sort(),
      );
    });

    it('answers 403 for a creatorId whose team the account is not on', async () => {
      const other = await registerAccount(http, { label: 'other' });
      const response = await http.post<Body>('/api/auth/login', {
        email: ana.email,
        password: ana.password,
        creatorId: other.creatorId,
      });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    });

    it('answers 403 when the account has left every team', async () => {
      const leaver = await registerAccount(http, { label: 'leaver' });
      const heir = await registerAccount(http, { label: 'heir' });
      await joinTeam(http, {
        ownerToken: leaver.accessToken,
        creatorId: leaver.creatorId,
        account: heir,
        role: 'owner',
      });
      expectStatus(
        await http.delete(`/api/auth/team/${leaver.accountId}`, undefined, { token: leaver.accessToken }),
        204,
      );
      const response = await http.post<Body>('/api/auth/login', {
        email: leaver.email,
        password: leaver.password,
      });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    });

    it('locks an account with 429 and Retry-After after too many failures, even for the right password', async () => {
      const cara = await registerAccount(http, { label: 'cara' });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const failure = await http.post('/api/auth/login', {
          email: cara.email,
          password: 'wrong password here',
        });
        expect(failure.status).toBe(401);
      }
      const locked = await http.post<Body>('/api/auth/login', { email: cara.email, password: cara.password });
      expect(locked.status).toBe(429);
      expect(locked.body.code).toBe('RATE_LIMITED');
      expect(locked.headers.get('content-type')).toContain('application/problem+json');
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      // the limit is per account: another account signs in from the same address
      const other = await http.post('/api/auth/login', { email: ana.email, password: ana.password });
      expect(other.status).toBe(200);
    });

    it('counts failures again from zero after a successful sign-in', async () => {
      const dan = await registerAccount(http, { label: 'dan' });
      for (let round = 0; round < 2; round += 1) {
        for (let attempt = 0; attempt < 2; attempt += 1) {
          const failure = await http.post('/api/auth/login', {
            email: dan.email,
            password: 'wrong password here',
          });
          expect(failure.status).toBe(401);
        }
        await login(http, { email: dan.email, password: dan.password });
      }
    });
  });

  describe('GET /api/auth/me', () => {
    it('returns the account and its memberships', async () => {
      const eve = await registerAccount(http, { label: 'eve', name: 'Eve Example' });
      const response = await http.get<Body>('/api/auth/me', { token: eve.accessToken });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        account: { id: eve.accountId, email: eve.email, name: 'Eve Example', createdAt: expect.any(String) },
        memberships: [
          {
            creatorId: eve.creatorId,
            creatorName: eve.creatorName,
            creatorSlug: eve.creatorSlug,
            role: 'owner',
          },
        ],
      });
    });

    it('answers 401 with a Bearer challenge without a token or with another scheme', async () => {
      const missing = await http.get<Body>('/api/auth/me');
      expect(missing.status).toBe(401);
      expect(missing.body.code).toBe('UNAUTHORIZED');
      expect(missing.headers.get('www-authenticate')).toContain('Bearer');
      const basic = await http.get<Body>('/api/auth/me', {
        headers: { authorization: 'Basic YW5hOnNlY3JldA==' },
      });
      expect(basic.status).toBe(401);
      expect(basic.body.code).toBe('UNAUTHORIZED');
    });
  });

  describe('POST /api/auth/switch', () => {
    it('gives tokens for another creator the account was added to, with the role it was given there', async () => {
      const xOwner = await registerAccount(http, { label: 'x-owner' });
      const yOwner = await registerAccount(http, { label: 'y-owner' });
      const added = await http.post<Body>(
        '/api/auth/team',
        { email: xOwner.email, role: 'admin' },
        { token: yOwner.accessToken },
      );
      expect(added.status).toBe(201);
      expect(added.body.status).toBe('added');
      expect(added.body.teammate).toMatchObject({ accountId: xOwner.accountId, role: 'admin' });

      const switched = await http.post<Body>(
        '/api/auth/switch',
        { creatorId: yOwner.creatorId },
        { token: xOwner.accessToken },
      );
      expect(switched.status).toBe(200);
      expect(switched.body).toMatchObject({
        creatorId: yOwner.creatorId,
        role: 'admin',
        tokenType: 'Bearer',
      });
      expect(claimsOf(switched.body.accessToken)).toMatchObject({
        sub: xOwner.accountId,
        cid: yOwner.creatorId,
        role: 'admin',
        typ: 'staff',
      });
      const team = await http.get<Body>('/api/auth/team', { token: switched.body.accessToken });
      expect(team.status).toBe(200);
      expect(team.body.items.map((row: Body) => row.accountId)).toContain(yOwner.accountId);
      // the switched session refreshes within creator Y
      const refreshed = await http.post<Body>('/api/auth/refresh', {
        refreshToken: switched.body.refreshToken,
      });
      expect(refreshed.status).toBe(200);
      expect(claimsOf(refreshed.body.accessToken)).toMatchObject({ cid: yOwner.creatorId, role: 'admin' });
    });

    it('answers 404 for a creator the account is not a member of', async () => {
      const stranger = await registerAccount(http, { label: 'stranger' });
      const response = await http.post<Body>(
        '/api/auth/switch',
        { creatorId: stranger.creatorId },
        { token: ana.accessToken },
      );
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
    });
  });
});

describe.each(backends())('per-address limit on sign-in routes on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startAuthServer(backend, { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '3' });
    http = createHttpClient(server.baseUrl);
  });
  afterAll(async () => server?.close());

  it('answers 429 with Retry-After once an address has used its sign-in attempts for the minute', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await http.post('/api/auth/login', {
        email: uniqueEmail(`guess${attempt}`),
        password: strongPassword,
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await http.post<Body>('/api/auth/login', {
      email: uniqueEmail('guess'),
      password: strongPassword,
    });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  });

  it('keeps other routes of the API open to that address', async () => {
    const health = await http.get('/health');
    expect(health.status).toBe(200);
    const me = await http.get('/api/auth/me');
    expect(me.status).toBe(401);
  });
});
