import { backends } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthServer } from './auth-test-server';

describe.each(backends())('POST /api/auth/register on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startAuthServer(backend);
    http = createHttpClient(server.baseUrl);
  });
  afterAll(async () => server?.close());

  it('creates an account that owns a new creator and returns working tokens', async () => {
    const response = await http.post<Record<string, any>>('/api/auth/register', {
      email: 'Ana@Example.com',
      password: 'correct horse battery staple 9',
      name: 'Ana',
      creatorName: 'Ana Núñez Coaching',
    });
    expect(response.status).toBe(201);
    expect(response.body.account.email).toBe('ana@example.com');
    expect(response.body.creator.slug).toBe('ana-nunez-coaching');
    expect(response.body.expiresIn).toBe(900);
    const me = await http.get<Record<string, any>>('/api/auth/me', { token: response.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.memberships).toEqual([
      {
        creatorId: response.body.creator.id,
        creatorName: 'Ana Núñez Coaching',
        creatorSlug: 'ana-nunez-coaching',
        role: 'owner',
      },
    ]);
  });

  it('answers 409 when the email is taken, whatever its case', async () => {
    const response = await http.post('/api/auth/register', {
      email: 'ANA@example.com',
      password: 'another long passphrase 77',
      name: 'Ana Two',
      creatorName: 'Second',
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe('EMAIL_TAKEN');
  });

  it('answers 422 with reasons for a weak password and stores nothing', async () => {
    const response = await http.post<Record<string, any>>('/api/auth/register', {
      email: 'weak@example.com',
      password: 'password1',
      name: 'Weak',
      creatorName: 'Weak Co',
    });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('WEAK_PASSWORD');
    expect(response.body.errors.length).toBeGreaterThan(0);
    const login = await http.post('/api/auth/login', { email: 'weak@example.com', password: 'password1' });
    expect(login.status).toBe(401);
  });

  it('derives a free handle when the one from the creator name is taken', async () => {
    const first = await http.post<Record<string, any>>('/api/auth/register', {
      email: 'lola@example.com',
      password: 'correct horse battery staple 9',
      name: 'Lola',
      creatorName: 'Yoga Flow',
    });
    const second = await http.post<Record<string, any>>('/api/auth/register', {
      email: 'mara@example.com',
      password: 'correct horse battery staple 9',
      name: 'Mara',
      creatorName: 'Yoga Flow',
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.body.creator.slug).toBe('yoga-flow');
    expect(second.body.creator.slug).toMatch(/^yoga-flow-[0-9a-f]{4}$/);
  });

  it('uses the creator handle given in creatorSlug', async () => {
    const response = await http.post<Record<string, any>>('/api/auth/register', {
      email: 'nora@example.com',
      password: 'correct horse battery staple 9',
      name: 'Nora',
      creatorName: 'Nora Runs',
      creatorSlug: 'Run-With-Nora',
    });
    expect(response.status).toBe(201);
    expect(response.body.creator.slug).toBe('run-with-nora');
  });

  it('answers 409 for a creator handle that is taken, and stores nothing', async () => {
    const response = await http.post<Record<string, any>>('/api/auth/register', {
      email: 'late@example.com',
      password: 'correct horse battery staple 9',
      name: 'Late',
      creatorName: 'Anything',
      creatorSlug: 'yoga-flow',
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('CONFLICT');
    expect(response.body.detail).toContain('yoga-flow');
    const login = await http.post('/api/auth/login', {
      email: 'late@example.com',
      password: 'correct horse battery staple 9',
    });
    expect(login.status).toBe(401);
  });
});
