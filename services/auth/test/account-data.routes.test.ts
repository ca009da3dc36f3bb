import { randomUUID } from 'node:crypto';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  expectStatus,
  joinTeam,
  login,
  type RegisteredAccount,
  registerAccount,
  strongPassword,
  uniqueEmail,
} from './auth-fixtures';
import { type MailingAuthServer, startAuthServerWithMail } from './auth-test-server';
import { codeFromMail, invitationTokenFromMail } from './mail-catcher';

describe.each(backends())('account data (GDPR) on $name', (backend) => {
  let running: MailingAuthServer;
  let http: HttpClient;
  let owner: RegisteredAccount;

  const ownerQuery = async (sql: string, params: unknown[] = []) =>
    (await running.server.runtime.database.query<Body>(sql, params)).rows;

  /** Every table of every application schema, each row cast to text, searched for `needle`. */
  const tablesContaining = async (needle: string) => {
    const tables = await ownerQuery(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(['accounts', 'memberships', 'audit_log', 'team_invitations', 'refresh_tokens']),
    );
    const hits: string[] = [];
    for (const table of tables) {
      const [row] = await ownerQuery(
        `select count(*)::int as count from "${table.schema}"."${table.name}" t
          where strpos(lower(t::text), lower($1)) > 0`,
        [needle],
      );
      if (row!.count > 0) hits.push(`${table.schema}.${table.name}`);
    }
    return hits;
  };

  beforeAll(async () => {
    running = await startAuthServerWithMail(backend);
    http = running.http;
    owner = await registerAccount(http, { label: 'owner' });
  });
  afterAll(async () => running?.close());

  describe('GET /api/auth/me/export', () => {
    it('returns the account, memberships, sessions, audit entries and invitations sent, and no secret', async () => {
      const person = await registerAccount(http, { label: 'exporter', name: 'Pia Export' });
      const session = await joinTeam(http, {
        ownerToken: owner.accessToken,
        creatorId: owner.creatorId,
        account: person,
        role: 'admin',
      });
      const invitedEmail = uniqueEmail('invited-by-pia');
      expectStatus(
        await http.post(
          '/api/auth/team',
          { email: invitedEmail, role: 'viewer' },
          { token: session.accessToken },
        ),
        201,
      );
      await running.mail.nextMailTo(invitedEmail);

      const response = await http.get<Body>('/api/auth/me/export', {
        token: session.accessToken,
        headers: { 'user-agent': 'export-test/1.0' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toContain('attachment');
      const exported = response.body;
      expect(exported.account).toEqual({
        id: person.accountId,
        email: person.email,
        name: 'Pia Export',
        createdAt: expect.any(String),
        lastLoginAt: expect.any(String),
      });
      expect(exported.memberships).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            creatorId: person.creatorId,
            creatorName: person.creatorName,
            role: 'owner',
          }),
          expect.objectContaining({
            creatorId: owner.creatorId,
            creatorName: owner.creatorName,
            role: 'admin',
          }),
        ]),
      );
      expect(exported.memberships).toHaveLength(2);
      const sessionCreators = exported.sessions.map((row: Body) => row.creatorId);
      expect(sessionCreators).toEqual(expect.arrayContaining([person.creatorId, owner.creatorId]));
      expect(exported.sessions[0]).toEqual({
        creatorId: expect.any(String),
        createdAt: expect.any(String),
        expiresAt: expect.any(String),
        usedAt: null,
        revokedAt: null,
        ip: expect.any(String),
        userAgent: expect.any(String),
      });
      const actions = exported.auditLog.map((row: Body) => `${row.creatorId}:${row.action}`);
      expect(actions).toEqual(
        expect.arrayContaining([
          `${person.creatorId}:account.registered`,
          `${owner.creatorId}:auth.login`,
          `${owner.creatorId}:team.invited`,
        ]),
      );
      expect(exported.invitationsSent).toEqual([
        { creatorId: owner.creatorId, email: invitedEmail, role: 'viewer', createdAt: expect.any(String) },
      ]);

      const text = JSON.stringify(exported);
      const [account] = await ownerQuery('select password_hash from accounts where id = $1', [
        person.accountId,
      ]);
      expect(account!.password_hash).toMatch(/^\$argon2id\$/);
      expect(text).not.toContain(account!.password_hash);
      expect(text).not.toContain('$argon2');
      expect(text).not.toMatch(/hash/i);
      const tokenHashes = await ownerQuery('select token_hash from refresh_tokens where account_id = $1', [
        person.accountId,
      ]);
      expect(tokenHashes.length).toBeGreaterThanOrEqual(2);
      for (const row of tokenHashes) expect(text).not.toContain(row.token_hash);
      expect(text).not.toContain(session.refreshToken);
      expect(text).not.toContain(person.refreshToken.split('.')[1]);
      const [invitation] = await ownerQuery('select token_hash from team_invitations where email = $1', [
        invitedEmail,
      ]);
      expect(text).not.toContain(invitation!.token_hash);

      const audit = await http.get<Body>('/api/auth/audit?action=account.exported', {
        token: session.accessToken,
      });
      expect(audit.body.items).toEqual([
        expect.objectContaining({
          action: 'account.exported',
          targetId: person.accountId,
          userAgent: 'export-test/1.0',
        }),
      ]);
    });

    it('answers 401 without a token', async () => {
      expect((await http.get('/api/auth/me/export')).status).toBe(401);
    });
  });

  describe('DELETE /api/auth/me', () => {
    it('answers 401 for a wrong password and keeps the account', async () => {
      const person = await registerAccount(http, { label: 'keeper' });
      const response = await http.delete<Body>(
        '/api/auth/me',
        { password: 'not my password at all' },
        {
          token: person.accessToken,
        },
      );
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      await login(http, { email: person.email, password: person.password });
    });

    it('answers 409 for the only owner of a creator with teammates, and erases nothing', async () => {
      const soleOwner = await registerAccount(http, { label: 'sole-owner' });
      const teammate = await registerAccount(http, { label: 'teammate' });
      await joinTeam(http, {
        ownerToken: soleOwner.accessToken,
        creatorId: soleOwner.creatorId,
        account: teammate,
        role: 'editor',
      });
      const response = await http.delete<Body>(
        '/api/auth/me',
        { password: soleOwner.password },
        {
          token: soleOwner.accessToken,
        },
      );
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('LAST_OWNER');
      expect(response.body.detail).toContain(soleOwner.creatorName);
      await login(http, { email: soleOwner.email, password: soleOwner.password });
      const team = await http.get<Body>('/api/auth/team', { token: soleOwner.accessToken });
      expect(team.body.items).toHaveLength(2);
    });

    it('erases the account: 202, its email and name are in no table, it cannot sign in, its solo creator is gone', async () => {
      const marker = randomUUID().slice(0, 8);
      const email = `erin.quillfeather.${marker}@example.com`;
      const name = `Erin Quillfeather ${marker}`;
      // Erin is invited to the owner's team before having an account …
      expectStatus(
        await http.post('/api/auth/team', { email, role: 'admin' }, { token: owner.accessToken }),
        201,
      );
      const invitationToken = invitationTokenFromMail(await running.mail.nextMailTo(email));
      // … registers her own creator (she will be its only teammate), then accepts with her password
      const erin = await registerAccount(http, { email, name, label: 'erin' });
      const joined = expectStatus(
        await http.post<Body>('/api/auth/invitations/accept', {
          token: invitationToken,
          password: strongPassword,
        }),
        200,
      ).body;
      // she leaves traces in both creators: invitations, audit entries, a member of her own creator
      const invitedByErin = uniqueEmail('invited-by-erin');
      expectStatus(
        await http.post(
          '/api/auth/team',
          { email: invitedByErin, role: 'viewer' },
          { token: joined.accessToken },
        ),
        201,
      );
      await running.mail.nextMailTo(invitedByErin);
      const memberEmail = uniqueEmail('erins-member');
      expectStatus(
        await http.post('/api/auth/members/code', { creatorSlug: erin.creatorSlug, email: memberEmail }),
        202,
      );
      const code = codeFromMail(await running.mail.nextMailTo(memberEmail));
      expectStatus(
        await http.post('/api/auth/members/verify', {
          creatorSlug: erin.creatorSlug,
          email: memberEmail,
          code,
        }),
        200,
      );
      expect(await tablesContaining(email)).not.toEqual([]);
      expect(await tablesContaining(name)).not.toEqual([]);

      const response = await http.delete<Body>(
        '/api/auth/me',
        { password: strongPassword },
        {
          token: joined.accessToken,
        },
      );
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ status: 'erased', deletedCreators: [erin.creatorId] });

      expect(await tablesContaining(email)).toEqual([]);
      expect(await tablesContaining(name)).toEqual([]);
      const failed = await http.post<Body>('/api/auth/login', { email, password: strongPassword });
      expect(failed.status).toBe(401);
      expect((await http.get('/api/auth/me', { token: joined.accessToken })).status).toBe(401);
      expect((await http.get('/api/auth/me/export', { token: joined.accessToken })).status).toBe(401);
      expect((await http.post('/api/auth/refresh', { refreshToken: joined.refreshToken })).status).toBe(401);
      expect(await ownerQuery('select id from creators where id = $1', [erin.creatorId])).toEqual([]);
      const code404 = await http.post('/api/auth/members/code', {
        creatorSlug: erin.creatorSlug,
        email: memberEmail,
      });
      expect(code404.status).toBe(404);

      // the owner's creator stays, without Erin, and keeps its history without pointing at her
      const team = await http.get<Body>('/api/auth/team', { token: owner.accessToken });
      expect(team.body.items.map((row: Body) => row.email)).not.toContain(email);
      expect(team.body.items.map((row: Body) => row.accountId)).toContain(owner.accountId);
      const audit = await http.get<Body>('/api/auth/audit?limit=200', { token: owner.accessToken });
      expect(audit.body.items.map((row: Body) => row.action)).toContain('account.erased');
      expect(audit.body.items.filter((row: Body) => row.actor.id === erin.accountId)).toEqual([]);
      const invitedSent = await ownerQuery('select invited_by from team_invitations where email = $1', [
        invitedByErin,
      ]);
      expect(invitedSent).toEqual([{ invited_by: null }]);
    });
  });
});
