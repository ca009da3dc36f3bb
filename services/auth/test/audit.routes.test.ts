import { backends } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  expectStatus,
  joinTeam,
  login,
  type RegisteredAccount,
  registerAccount,
  type Session,
} from './auth-fixtures';
import { startAuthServer } from './auth-test-server';

describe.each(backends())('GET /api/auth/audit on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;
  let owner: RegisteredAccount;
  let admin: Session & { account: RegisteredAccount };
  let viewer: Session;
  let editor: Session;

  const audit = (query: string, token = admin.accessToken) =>
    http.get<Body>(`/api/auth/audit${query}`, { token });

  beforeAll(async () => {
    server = await startAuthServer(backend, {
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    http = createHttpClient(server.baseUrl);
    owner = await registerAccount(http, { label: 'owner' });
    const adminAccount = await registerAccount(http, { label: 'admin' });
    admin = {
      ...(await joinTeam(http, {
        ownerToken: owner.accessToken,
        creatorId: owner.creatorId,
        account: adminAccount,
        role: 'admin',
      })),
      account: adminAccount,
    };
    const viewerAccount = await registerAccount(http, { label: 'viewer' });
    viewer = await joinTeam(http, {
      ownerToken: owner.accessToken,
      creatorId: owner.creatorId,
      account: viewerAccount,
      role: 'viewer',
    });
    editor = await joinTeam(http, {
      ownerToken: owner.accessToken,
      creatorId: owner.creatorId,
      account: await registerAccount(http, { label: 'editor' }),
      role: 'editor',
    });
    // a teammate added and promoted, then an export by the admin from a recognisable client
    const promoted = await registerAccount(http, { label: 'promoted' });
    await joinTeam(http, {
      ownerToken: admin.accessToken,
      creatorId: owner.creatorId,
      account: promoted,
      role: 'viewer',
    });
    expectStatus(
      await http.patch(
        `/api/auth/team/${promoted.accountId}`,
        { role: 'editor' },
        { token: admin.accessToken },
      ),
      200,
    );
    expectStatus(
      await http.get('/api/auth/me/export', {
        token: admin.accessToken,
        headers: { 'user-agent': 'audit-test-agent/2.0', 'x-request-id': 'audit-test-request-1' },
      }),
      200,
    );
  });
  afterAll(async () => server?.close());

  it('shows an admin who did what, newest first', async () => {
    const response = await audit('');
    expect(response.status).toBe(200);
    const items: Body[] = response.body.items;
    expect(items[0]).toEqual({
      id: expect.any(String),
      actor: { type: 'account', id: admin.account.accountId, email: admin.account.email },
      action: 'account.exported',
      targetType: 'account',
      targetId: admin.account.accountId,
      ip: '127.0.0.1',
      userAgent: 'audit-test-agent/2.0',
      requestId: 'audit-test-request-1',
      metadata: {},
      createdAt: expect.any(String),
    });
    expect(items.map((item) => item.action)).toEqual(
      expect.arrayContaining([
        'account.registered',
        'team.member_added',
        'auth.login',
        'team.role_changed',
        'account.exported',
      ]),
    );
    const times = items.map((item) => Date.parse(item.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(items.at(-1)!.action).toBe('account.registered');
    expect(items.find((item) => item.action === 'team.role_changed')).toMatchObject({
      actor: { id: admin.account.accountId },
      metadata: { from: 'viewer', to: 'editor' },
    });
    expect(response.body.nextCursor).toBeNull();
  });

  it('pages with a cursor: limit=1 twice gives different entries, and the last page has no cursor', async () => {
    const all = expectStatus(await audit('?limit=200'), 200).body.items as Body[];
    const first = expectStatus(await audit('?limit=1'), 200).body;
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = expectStatus(
      await audit(`?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`),
      200,
    ).body;
    expect(second.items).toHaveLength(1);
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect([first.items[0].id, second.items[0].id]).toEqual([all[0]!.id, all[1]!.id]);

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Body = expectStatus(
        await audit(`?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
        200,
      ).body;
      walked.push(...page.items.map((item: Body) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all.map((item) => item.id));
  });

  it('filters by action', async () => {
    const response = await audit('?action=auth.login');
    expect(response.status).toBe(200);
    expect(response.body.items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(response.body.items.map((item: Body) => item.action))).toEqual(new Set(['auth.login']));
  });

  it('is open to owners and refused to editors and viewers with 403', async () => {
    expect((await audit('', owner.accessToken)).status).toBe(200);
    for (const token of [viewer.accessToken, editor.accessToken]) {
      const response = await audit('', token);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    }
  });

  it('shows only the entries of the token’s creator', async () => {
    const other = await registerAccount(http, { label: 'other' });
    await login(http, { email: other.email, password: other.password });
    const ours = (await audit('?limit=200')).body.items as Body[];
    const theirs = (await audit('?limit=200', other.accessToken)).body.items as Body[];
    expect(theirs.map((item) => item.action).sort()).toEqual(['account.registered', 'auth.login']);
    const ourIds = new Set(ours.map((item) => item.id));
    expect(theirs.some((item) => ourIds.has(item.id))).toBe(false);
  });

  it('answers 422 for a bad cursor and for a limit out of range', async () => {
    for (const cursor of [
      'not-a-cursor',
      Buffer.from('2024-01-01T00:00:00.000Z|nope').toString('base64url'),
    ]) {
      const response = await audit(`?cursor=${cursor}`);
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors).toEqual([{ path: 'query.cursor', message: 'Invalid cursor' }]);
    }
    for (const limit of ['0', '201', 'ten']) {
      const response = await audit(`?limit=${limit}`);
      expect(response.status).toBe(422);
      // Fastify names the location of a schema violation "querystring" (the service's own checks say "query")
      expect(response.body.errors[0].path).toBe('query.limit');
    }
  });
});
