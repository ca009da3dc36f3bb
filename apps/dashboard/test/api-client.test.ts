import { ZMemberListResponse } from '@companero/contracts/creator-hub/members';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/api-client';
import { ApiError } from '../src/api/api-error';
import { createTokenStore } from '../src/api/token-store';
import { createFakeApi, reply } from './fake-api';
import { tokenPair } from './test-session';

/** The error a call failed with; the test fails if it succeeded. */
const failureOf = async (call: Promise<unknown>): Promise<ApiError> => {
  try {
    await call;
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected the call to fail');
};

const signedInClient = (api: ReturnType<typeof createFakeApi>) => {
  const tokens = createTokenStore(window.localStorage);
  tokens.set(tokenPair());
  return { tokens, client: createApiClient({ tokens, fetch: api.fetch as typeof fetch, locks: null }) };
};

describe('the API client', () => {
  it('sends the access token as a bearer token', async () => {
    const api = createFakeApi({ 'GET /api/auth/me': () => reply.json({ ok: true }) });
    const { client, tokens } = signedInClient(api);
    await client.get('/api/auth/me');
    expect(api.calls[0]?.authorization).toBe(`Bearer ${tokens.getAccessToken()}`);
  });

  it('lets concurrent 401s share one refresh, because a refresh token works once', async () => {
    const fresh = tokenPair();
    let refreshes = 0;
    const api = createFakeApi({
      'POST /api/auth/refresh': async () => {
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return reply.json(fresh);
      },
      'GET /api/hub/members': (request) =>
        request.authorization === `Bearer ${fresh.accessToken}`
          ? reply.json({ items: [], nextCursor: null })
          : reply.problem(401, 'The access token expired.'),
    });
    const { client, tokens } = signedInClient(api);
    const results = await Promise.all([
      client.get('/api/hub/members'),
      client.get('/api/hub/members', { query: { q: 'ana' } }),
      client.get('/api/hub/members', { query: { tag: 'vip' } }),
    ]);
    expect(results).toHaveLength(3);
    expect(refreshes).toBe(1);
    expect(api.callsTo('POST', '/api/auth/refresh')[0]?.body).toEqual({ refreshToken: expect.any(String) });
    expect(tokens.getAccessToken()).toBe(fresh.accessToken);
    expect(window.localStorage.getItem('companero.refreshToken')).toBe(fresh.refreshToken);
  });

  it('signs out when the refresh token is refused, and says the session ended', async () => {
    const api = createFakeApi({
      'POST /api/auth/refresh': () => reply.problem(401, 'The refresh token is not valid.'),
      'GET /api/auth/team': () => reply.problem(401, 'The access token expired.'),
    });
    const { client, tokens } = signedInClient(api);
    await expect(client.get('/api/auth/team')).rejects.toMatchObject({
      status: 401,
      message: 'Your session has ended. Sign in again.',
    });
    expect(tokens.getSnapshot()).toEqual({ status: 'signed-out', reason: 'expired' });
    expect(window.localStorage.getItem('companero.refreshToken')).toBeNull();
  });

  it('restores a session after a reload from the stored refresh token alone', async () => {
    window.localStorage.setItem('companero.refreshToken', 'creator.old-refresh-token');
    const fresh = tokenPair();
    const api = createFakeApi({
      'POST /api/auth/refresh': () => reply.json(fresh),
      'GET /api/auth/me': () => reply.json({ ok: true }),
    });
    const tokens = createTokenStore(window.localStorage);
    expect(tokens.getSnapshot().status).toBe('restoring');
    const client = createApiClient({ tokens, fetch: api.fetch as typeof fetch, locks: null });
    await client.get('/api/auth/me');
    expect(api.callsTo('POST', '/api/auth/refresh')[0]?.body).toEqual({
      refreshToken: 'creator.old-refresh-token',
    });
    expect(tokens.getSnapshot().status).toBe('signed-in');
  });

  it('turns problem+json into a readable message with errors placed by field', async () => {
    const api = createFakeApi({
      'POST /api/auth/register': () =>
        reply.problem(422, 'Choose a stronger password.', {
          errors: [
            { path: 'body.password', message: 'This is a very common password.' },
            { path: 'body.password', message: 'Add another word or two.' },
          ],
        }),
    });
    const client = createApiClient({
      tokens: createTokenStore(window.localStorage),
      fetch: api.fetch as typeof fetch,
      locks: null,
    });
    const error = await failureOf(client.post('/api/auth/register', {}, { isAuthenticated: false }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe('Choose a stronger password.');
    expect(error.fieldErrors).toEqual({
      password: ['This is a very common password.', 'Add another word or two.'],
    });
  });

  it('says how long to wait when rate limited, and hides server internals on 5xx', async () => {
    const api = createFakeApi({
      'POST /api/auth/login': () => ({
        ...reply.problem(429, 'Too many requests.'),
        headers: { 'retry-after': '42' },
      }),
      'GET /api/auth/me': () => reply.problem(500, 'TypeError: cannot read properties of undefined'),
    });
    const { client } = signedInClient(api);
    await expect(client.post('/api/auth/login', {}, { isAuthenticated: false })).rejects.toThrow(
      'Too many attempts. Try again in 42 seconds.',
    );
    const serverError = await failureOf(client.get('/api/auth/me'));
    expect(serverError.message).toMatch(/Something went wrong on our side/);
    expect(serverError.message).not.toMatch(/TypeError/);
  });

  it('reports an unreachable server in plain words', async () => {
    const tokens = createTokenStore(window.localStorage);
    tokens.set(tokenPair());
    const client = createApiClient({
      tokens,
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      locks: null,
    });
    await expect(client.get('/api/auth/me')).rejects.toMatchObject({
      status: 0,
      message: 'Cannot reach Compañero. Check your connection and try again.',
    });
  });

  it('refuses an answer that does not match its contract instead of rendering garbage', async () => {
    const api = createFakeApi({ 'GET /api/hub/members': () => reply.json({ rows: [] }) });
    const { client } = signedInClient(api);
    const original = console.error;
    console.error = () => {};
    try {
      await expect(client.get('/api/hub/members', { schema: ZMemberListResponse })).rejects.toMatchObject({
        code: 'UNEXPECTED_RESPONSE',
      });
    } finally {
      console.error = original;
    }
  });
});
