import { authPlugin, memberContext, signedInContext, staffContext } from '@companero/core/auth/auth.plugin';
import { hasRoleAtLeast } from '@companero/core/auth/roles';
import { createTokenVerifier } from '@companero/core/auth/token-verifier';
import { loadConfig } from '@companero/core/config/load-config';
import { createHttpApp, type HttpApp } from '@companero/core/http/create-http-app';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audience,
  createSigningKey,
  issuer,
  memberClaims,
  type SigningKey,
  staffClaims,
} from './token-fixtures';

const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });

const buildGuardedApp = async (verifier: ReturnType<typeof createTokenVerifier>): Promise<HttpApp> => {
  const app = await createHttpApp({ service: 'auth-plugin-test', config, readiness: {} });
  await app.register(authPlugin, { verifier });
  app.get('/team', { preHandler: app.requireStaff() }, async (request) => staffContext(request));
  app.get('/team/settings', { preHandler: app.requireStaff('admin') }, async (request) =>
    staffContext(request),
  );
  app.get('/me/habits', { preHandler: app.requireMember() }, async (request) => memberContext(request));
  app.get('/whoami', { preHandler: app.requireSignedIn() }, async (request) => signedInContext(request));
  app.get('/unguarded-staff', async (request) => staffContext(request));
  app.get('/unguarded-member', async (request) => memberContext(request));
  return app;
};

describe('authPlugin guards', () => {
  let key: SigningKey;
  let app: HttpApp;

  beforeAll(async () => {
    key = await createSigningKey();
    app = await buildGuardedApp(
      createTokenVerifier({
        source: { kind: 'local', load: async () => ({ keys: [key.publicJwk] }) },
        issuer,
        audience,
      }),
    );
  });
  afterAll(async () => app?.close());

  const get = async (url: string, token?: string, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'GET',
      url,
      headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
    });

  it('answers 401 UNAUTHORIZED with WWW-Authenticate when no Authorization header is sent', async () => {
    const response = await get('/team');
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="companero"');
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({
      code: 'UNAUTHORIZED',
      detail: 'Send an access token: Authorization: Bearer <token>.',
    });
  });

  it('answers 401 UNAUTHORIZED for an Authorization header that is not a bearer token', async () => {
    const response = await get('/team', undefined, { authorization: 'Basic YW5hOnNlY3JldA==' });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('UNAUTHORIZED');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="companero"');
  });

  it('answers 401 INVALID_TOKEN with error="invalid_token" for a bad token', async () => {
    const response = await get('/team', 'eyJhbGciOiJub25lIn0.e30.');
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('INVALID_TOKEN');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="companero", error="invalid_token"');
  });

  it('answers 401 INVALID_TOKEN for an expired token', async () => {
    const token = await key.sign(staffClaims(), { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const response = await get('/team', token);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'INVALID_TOKEN', detail: 'The access token has expired.' });
  });

  it('lets a staff token through requireStaff and builds the staff context from its claims', async () => {
    const claims = staffClaims('viewer');
    const response = await get('/team', await key.sign(claims), {
      'x-request-id': 'req-team-1',
      'user-agent': 'vitest',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      requestId: 'req-team-1',
      userAgent: 'vitest',
      creatorId: claims.cid,
      actor: { type: 'account', id: claims.sub, role: 'viewer' },
    });
  });

  it('answers 403 when a member token calls a requireStaff route', async () => {
    const response = await get('/team', await key.sign(memberClaims()));
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      code: 'FORBIDDEN',
      detail: 'This endpoint is for the creator team, not members.',
    });
  });

  it("answers 403 when a viewer calls a requireStaff('admin') route", async () => {
    const response = await get('/team/settings', await key.sign(staffClaims('viewer')));
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      code: 'FORBIDDEN',
      detail: 'This action needs the admin role or higher; you are viewer.',
    });
  });

  it("answers 403 for an editor and 200 for an admin or owner on requireStaff('admin')", async () => {
    expect((await get('/team/settings', await key.sign(staffClaims('editor')))).statusCode).toBe(403);
    expect((await get('/team/settings', await key.sign(staffClaims('admin')))).statusCode).toBe(200);
    expect((await get('/team/settings', await key.sign(staffClaims('owner')))).statusCode).toBe(200);
  });

  it('lets a member token through requireMember with the member context', async () => {
    const claims = memberClaims();
    const response = await get('/me/habits', await key.sign(claims));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      creatorId: claims.cid,
      actor: { type: 'member', id: claims.sub },
    });
  });

  it('answers 403 when a staff token calls a requireMember route', async () => {
    const response = await get('/me/habits', await key.sign(staffClaims('owner')));
    expect(response.statusCode).toBe(403);
    expect(response.json().detail).toBe('This endpoint is for members signed in to the app.');
  });

  it('lets both kinds through requireSignedIn with the matching context', async () => {
    const member = memberClaims();
    const staff = staffClaims('editor');
    expect((await get('/whoami', await key.sign(member))).json().actor).toEqual({
      type: 'member',
      id: member.sub,
    });
    expect((await get('/whoami', await key.sign(staff))).json().actor).toEqual({
      type: 'account',
      id: staff.sub,
      role: 'editor',
    });
    expect((await get('/whoami')).statusCode).toBe(401);
  });

  it('answers 401 when a route reads a context it never guarded', async () => {
    expect((await get('/unguarded-staff')).statusCode).toBe(401);
    expect((await get('/unguarded-member')).json().code).toBe('UNAUTHORIZED');
  });
});

describe('authPlugin when the key set cannot be loaded', () => {
  it('answers a generic 500, not a 401 that would sign the user out', async () => {
    const app = await buildGuardedApp(
      createTokenVerifier({
        source: {
          kind: 'local',
          load: async () => {
            throw new Error('signing_keys: relation does not exist');
          },
        },
        issuer,
        audience,
      }),
    );
    try {
      const key = await createSigningKey();
      const response = await app.inject({
        method: 'GET',
        url: '/team',
        headers: { authorization: `Bearer ${await key.sign(staffClaims())}` },
      });
      expect(response.statusCode).toBe(500);
      expect(response.json().code).toBe('INTERNAL');
      expect(response.body).not.toContain('signing_keys');
    } finally {
      await app.close();
    }
  });
});

describe('hasRoleAtLeast', () => {
  it('orders owner > admin > editor > viewer', () => {
    expect(hasRoleAtLeast('owner', 'admin')).toBe(true);
    expect(hasRoleAtLeast('admin', 'admin')).toBe(true);
    expect(hasRoleAtLeast('editor', 'admin')).toBe(false);
    expect(hasRoleAtLeast('viewer', 'editor')).toBe(false);
    expect(hasRoleAtLeast('viewer', 'viewer')).toBe(true);
  });
});
