import { createHash, randomBytes } from 'node:crypto';
import { pruneExpiredJob } from '@companero/auth/jobs/prune-expired.job';
import { backends } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  claimsOf,
  expectStatus,
  login,
  type RegisteredAccount,
  registerAccount,
} from './auth-fixtures';
import { startAuthServer } from './auth-test-server';

const sha256 = (token: string) => createHash('sha256').update(token).digest('base64url');

describe.each(backends())('refresh tokens and sign-out on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;
  let ana: RegisteredAccount;

  /** Runs SQL as the database owner, outside row level security: for setting up and inspecting state. */
  const ownerQuery = async (sql: string, params: unknown[] = []) =>
    (await server.runtime.database.query<Body>(sql, params)).rows;

  const refresh = (refreshToken: string) => http.post<Body>('/api/auth/refresh', { refreshToken });

  beforeAll(async () => {
    server = await startAuthServer(backend, {
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    http = createHttpClient(server.baseUrl);
    ana = await registerAccount(http, { label: 'ana' });
  });
  afterAll(async () => server?.close());

  describe('POST /api/auth/refresh', () => {
    it('rotates: returns a new working pair, and the presented token works only once', async () => {
      const session = await login(http, { email: ana.email, password: ana.password });
      const rotated = await refresh(session.refreshToken);
      expect(rotated.status).toBe(200);
      expect(rotated.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
        tokenType: 'Bearer',
      });
      expect(rotated.body.refreshToken).not.toBe(session.refreshToken);
      expect(claimsOf(rotated.body.accessToken)).toMatchObject({
        sub: ana.accountId,
        cid: ana.creatorId,
        role: 'owner',
      });
      expect(claimsOf(rotated.body.accessToken).jti).not.toBe(claimsOf(session.accessToken).jti);
      expect((await http.get('/api/auth/me', { token: rotated.body.accessToken })).status).toBe(200);

      const again = await refresh(session.refreshToken);
      expect(again.status).toBe(401);
      expect(again.body.code).toBe('REFRESH_TOKEN_REUSED');
    });

    it('revokes the whole family, newest token included, when a used refresh token returns', async () => {
      const session = await login(http, { email: ana.email, password: ana.password });
      const second = expectStatus(await refresh(session.refreshToken), 200).body;
      const third = expectStatus(await refresh(second.refreshToken), 200).body;

      const reused = await refresh(session.refreshToken);
      expect(reused.status).toBe(401);
      expect(reused.headers.get('content-type')).toContain('application/problem+json');
      expect(reused.body.code).toBe('REFRESH_TOKEN_REUSED');

      const newest = await refresh(third.refreshToken);
      expect(newest.status).toBe(401);
      expect(newest.body.code).toBe('INVALID_TOKEN');

      const [family] = await ownerQuery('select family_id from refresh_tokens where token_hash = $1', [
        sha256(session.refreshToken),
      ]);
      const live = await ownerQuery(
        'select count(*)::int as count from refresh_tokens where family_id = $1 and revoked_at is null',
        [family!.family_id],
      );
      expect(live[0]!.count).toBe(0);

      const fresh = await login(http, { email: ana.email, password: ana.password });
      const audit = await http.get<Body>('/api/auth/audit?action=auth.refresh_token_reused', {
        token: fresh.accessToken,
      });
      expect(audit.status).toBe(200);
      const entries = audit.body.items.filter((item: Body) => item.metadata.familyId === family!.family_id);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        action: 'auth.refresh_token_reused',
        actor: { type: 'anonymous', id: null },
        targetType: 'account',
        targetId: ana.accountId,
        metadata: { familyId: family!.family_id },
      });
    });

    it('lets exactly one of two simultaneous refreshes with the same token succeed', async () => {
      const session = await login(http, { email: ana.email, password: ana.password });
      const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
      expect(results.map((result) => result.status).sort()).toEqual([200, 401]);
    });

    it('answers 401 for an expired refresh token', async () => {
      const session = await login(http, { email: ana.email, password: ana.password });
      await ownerQuery(
        `update refresh_tokens set expires_at = now() - interval '1 second' where token_hash = $1`,
        [sha256(session.refreshToken)],
      );
      const response = await refresh(session.refreshToken);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_TOKEN');
    });

    it('answers 401 for garbage and for unknown tokens of the right shape', async () => {
      const garbage = await refresh('this-is-not-a-refresh-token');
      expect(garbage.status).toBe(401);
      expect(garbage.body.code).toBe('INVALID_TOKEN');
      const unknown = await refresh(`${ana.creatorId}.${randomBytes(32).toString('base64url')}`);
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe('INVALID_TOKEN');
      const shortSecret = await refresh(`${ana.creatorId}.abc`);
      expect(shortSecret.status).toBe(401);
    });

    it('carries a role change into the next refreshed access token', async () => {
      const owner = await registerAccount(http, { label: 'owner' });
      const teammate = await registerAccount(http, { label: 'teammate' });
      expectStatus(
        await http.post(
          '/api/auth/team',
          { email: teammate.email, role: 'editor' },
          { token: owner.accessToken },
        ),
        201,
      );
      const session = await login(http, {
        email: teammate.email,
        password: teammate.password,
        creatorId: owner.creatorId,
      });
      expect(claimsOf(session.accessToken).role).toBe('editor');
      expectStatus(
        await http.patch(
          `/api/auth/team/${teammate.accountId}`,
          { role: 'viewer' },
          { token: owner.accessToken },
        ),
        200,
      );
      const refreshed = expectStatus(await refresh(session.refreshToken), 200).body;
      expect(claimsOf(refreshed.accessToken)).toMatchObject({ cid: owner.creatorId, role: 'viewer' });
    });
  });

  describe('POST /api/auth/logout', () => {
    it('signs out the whole session with 204; its refresh tokens then answer 401', async () => {
      const session = await login(http, { email: ana.email, password: ana.password });
      const rotated = expectStatus(await refresh(session.refreshToken), 200).body;
      const other = await login(http, { email: ana.email, password: ana.password });

      const response = await http.post(
        '/api/auth/logout',
        { refreshToken: rotated.refreshToken },
        {
          token: rotated.accessToken,
        },
      );
      expect(response.status).toBe(204);
      expect(response.body).toBe('');
      expect((await refresh(rotated.refreshToken)).status).toBe(401);
      // another sign-in of the same account is another session and stays
      expect((await refresh(other.refreshToken)).status).toBe(200);
    });

    it('does not sign out a session of another account', async () => {
      const bea = await registerAccount(http, { label: 'bea' });
      const anaSession = await login(http, { email: ana.email, password: ana.password });
      const response = await http.post(
        '/api/auth/logout',
        { refreshToken: anaSession.refreshToken },
        {
          token: bea.accessToken,
        },
      );
      expect(response.status).toBe(204);
      expect((await refresh(anaSession.refreshToken)).status).toBe(200);
    });

    it('answers 401 without an access token and keeps the session', async () => {
      const session = await login(http, { email: ana.email, password: ana.password });
      const response = await http.post<Body>('/api/auth/logout', { refreshToken: session.refreshToken });
      expect(response.status).toBe(401);
      expect((await refresh(session.refreshToken)).status).toBe(200);
    });

    it('answers 401 for a refresh token that is not one', async () => {
      const response = await http.post<Body>(
        '/api/auth/logout',
        { refreshToken: 'not-a-refresh-token' },
        {
          token: ana.accessToken,
        },
      );
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_TOKEN');
    });
  });

  describe('the auth-prune-expired job', () => {
    it('deletes expired and long-revoked sessions of its creator and keeps live ones', async () => {
      const owner = await registerAccount(http, { label: 'pruned' });
      const expired = await login(http, { email: owner.email, password: owner.password });
      const revoked = await login(http, { email: owner.email, password: owner.password });
      const live = await login(http, { email: owner.email, password: owner.password });
      await ownerQuery(
        `update refresh_tokens set expires_at = now() - interval '2 days' where token_hash = $1`,
        [sha256(expired.refreshToken)],
      );
      await ownerQuery(
        `update refresh_tokens set revoked_at = now() - interval '8 days' where token_hash = $1`,
        [sha256(revoked.refreshToken)],
      );
      const hashes = [expired, revoked, live].map((session) => sha256(session.refreshToken));
      const stored = async () =>
        (await ownerQuery('select token_hash from refresh_tokens where token_hash = any($1)', [hashes])).map(
          (row) => row.token_hash,
        );
      expect(await stored()).toHaveLength(3);

      await server.runtime.jobs.send(pruneExpiredJob, { creatorId: owner.creatorId });
      const deadline = Date.now() + 20_000;
      while ((await stored()).length > 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await stored()).toEqual([sha256(live.refreshToken)]);
      expect((await refresh(live.refreshToken)).status).toBe(200);
    });
  });
});
