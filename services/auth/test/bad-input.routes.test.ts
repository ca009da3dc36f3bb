import { backends } from '@companero/testing/backends';
import { createHttpClient, type HttpClient, type JsonResponse } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Body,
  type RegisteredAccount,
  registerAccount,
  strongPassword,
  uniqueEmail,
} from './auth-fixtures';
import { startAuthServer } from './auth-test-server';

const stateTables = [
  'accounts',
  'creators',
  'memberships',
  'team_invitations',
  'refresh_tokens',
  'audit_log',
  'members',
  'member_login_codes',
];

describe.each(backends())('bad input to the auth API on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;
  let owner: RegisteredAccount;
  let stateBefore: Record<string, number>;

  /** Row counts of every auth table, read as the database owner. */
  const state = async () => {
    const counts: Record<string, number> = {};
    for (const table of stateTables) {
      const { rows } = await server.runtime.database.query<{ count: number }>(
        `select count(*)::int as count from ${table}`,
      );
      counts[table] = rows[0]!.count;
    }
    return counts;
  };

  const expectProblem = (response: JsonResponse<Body>, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({
      status,
      code,
      type: expect.any(String),
      title: expect.any(String),
    });
  };

  const paths = (response: JsonResponse<Body>) => response.body.errors.map((error: Body) => error.path);

  beforeAll(async () => {
    server = await startAuthServer(backend, { BODY_LIMIT_BYTES: '2048' });
    http = createHttpClient(server.baseUrl);
    owner = await registerAccount(http, { label: 'owner' });
  });
  afterAll(async () => server?.close());
  beforeEach(async () => {
    stateBefore = await state();
  });
  afterEach(async () => {
    // none of these requests may change anything
    expect(await state()).toEqual(stateBefore);
  });

  it('answers 400 MALFORMED_JSON for a body that is not JSON', async () => {
    const headers = { 'content-type': 'application/json' };
    for (const path of [
      '/api/auth/register',
      '/api/auth/login',
      '/api/auth/refresh',
      '/api/auth/members/code',
    ]) {
      expectProblem(
        await http.request<Body>('POST', path, { headers, rawBody: '{"email": "a@b.c",' }),
        400,
        'MALFORMED_JSON',
      );
    }
    const team = await http.request<Body>('POST', '/api/auth/team', {
      headers,
      token: owner.accessToken,
      rawBody: '{not json}',
    });
    expectProblem(team, 400, 'MALFORMED_JSON');
    expectProblem(
      await http.request<Body>('POST', '/api/auth/login', { headers, rawBody: '' }),
      400,
      'MALFORMED_JSON',
    );
  });

  it('answers 422 with the path of every violation in the body', async () => {
    const register = await http.post<Body>('/api/auth/register', {
      email: 'not-an-email',
      password: '',
      name: '',
      creatorName: 'Fine',
      creatorSlug: '-bad slug-',
    });
    expectProblem(register, 422, 'VALIDATION_FAILED');
    expect(paths(register)).toEqual(
      expect.arrayContaining(['body.email', 'body.password', 'body.name', 'body.creatorSlug']),
    );
    expect(register.body.errors.every((error: Body) => typeof error.message === 'string')).toBe(true);

    const login = await http.post<Body>('/api/auth/login', { email: owner.email });
    expectProblem(login, 422, 'VALIDATION_FAILED');
    expect(paths(login)).toEqual(['body.password']);

    const invite = await http.post<Body>(
      '/api/auth/team',
      { email: uniqueEmail('x'), role: 'superuser' },
      {
        token: owner.accessToken,
      },
    );
    expectProblem(invite, 422, 'VALIDATION_FAILED');
    expect(paths(invite)).toEqual(['body.role']);

    const verify = await http.post<Body>('/api/auth/members/verify', {
      creatorSlug: owner.creatorSlug,
      email: uniqueEmail('member'),
      code: '12ab',
    });
    expectProblem(verify, 422, 'VALIDATION_FAILED');
    expect(paths(verify)).toEqual(['body.code']);

    const refresh = await http.post<Body>('/api/auth/refresh', { refreshToken: 'short' });
    expectProblem(refresh, 422, 'VALIDATION_FAILED');
    expect(paths(refresh)).toEqual(['body.refreshToken']);

    const erase = await http.delete<Body>('/api/auth/me', {}, { token: owner.accessToken });
    expectProblem(erase, 422, 'VALIDATION_FAILED');
    expect(paths(erase)).toEqual(['body.password']);
  });

  it('answers 422 for a path parameter that is not a UUID', async () => {
    const response = await http.patch<Body>(
      '/api/auth/team/not-a-uuid',
      { role: 'viewer' },
      {
        token: owner.accessToken,
      },
    );
    expectProblem(response, 422, 'VALIDATION_FAILED');
    expect(paths(response)).toEqual(['params.accountId']);
  });

  it('answers 413 for a body over BODY_LIMIT_BYTES', async () => {
    const email = uniqueEmail('big');
    const response = await http.post<Body>('/api/auth/register', {
      email,
      password: strongPassword,
      name: 'Big',
      creatorName: 'Big',
      timezone: 'x'.repeat(3000),
    });
    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
    expect((await http.post('/api/auth/login', { email, password: strongPassword })).status).toBe(401);
  });

  it('answers 415 for a form body and 422 for a plain-text one', async () => {
    const rawBody = `email=${encodeURIComponent(owner.email)}&password=${encodeURIComponent(strongPassword)}`;
    const form = await http.request<Body>('POST', '/api/auth/login', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody,
    });
    expectProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const text = await http.request<Body>('POST', '/api/auth/login', {
      headers: { 'content-type': 'text/plain' },
      rawBody,
    });
    expectProblem(text, 422, 'VALIDATION_FAILED');
  });

  it('answers 404 for an unknown route', async () => {
    for (const path of ['/api/auth/nope', '/api/nothing-here', '/api/auth/team/x/y']) {
      const response = await http.get<Body>(path, { token: owner.accessToken });
      expectProblem(response, 404, 'NOT_FOUND');
      expect(response.body.instance).toBe(path);
    }
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const login = await http.get<Body>('/api/auth/login');
    expectProblem(login, 405, 'METHOD_NOT_ALLOWED');
    expect(login.headers.get('allow')).toBe('POST');
    const team = await http.request<Body>('PUT', '/api/auth/team', { token: owner.accessToken, body: {} });
    expectProblem(team, 405, 'METHOD_NOT_ALLOWED');
    expect(team.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    const jwks = await http.post<Body>('/.well-known/jwks.json', {});
    expectProblem(jwks, 405, 'METHOD_NOT_ALLOWED');
  });
});
