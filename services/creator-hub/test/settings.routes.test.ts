import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Body, type Creator, expectStatus, registerCreator } from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

describe.each(backends())('creator hub settings on $name', (backend) => {
  let hub: HubTestServer;
  let http: HttpClient;
  let owner: Creator;
  let other: Creator;

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ http } = hub);
    owner = await registerCreator(http, 'settings');
    other = await registerCreator(http, 'taken');
  });
  afterAll(async () => hub?.close());

  const settingsOf = async (creator: Creator) =>
    expectStatus(await http.get<Body>('/api/hub/settings', { token: creator.token }), 200).body;

  it('returns the creator’s name, handle and time zone (UTC by default)', async () => {
    const settings = await settingsOf(owner);
    expect(settings).toEqual({
      id: owner.creatorId,
      name: expect.stringContaining('settings'),
      slug: owner.slug,
      timezone: 'UTC',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
  });

  it('changes name, handle and time zone, and audits the change', async () => {
    const response = expectStatus(
      await http.patch<Body>(
        '/api/hub/settings',
        { name: 'Ana Coaching', slug: '  Ana-Coaching-2 ', timezone: 'America/Mexico_City' },
        { token: owner.token },
      ),
      200,
    );
    expect(response.body).toMatchObject({
      id: owner.creatorId,
      name: 'Ana Coaching',
      slug: 'ana-coaching-2',
      timezone: 'America/Mexico_City',
    });
    expect(await settingsOf(owner)).toMatchObject({
      slug: 'ana-coaching-2',
      timezone: 'America/Mexico_City',
    });
    const audit = expectStatus(
      await http.get<Body>('/api/auth/audit?action=creator.settings_changed', { token: owner.token }),
      200,
    );
    expect(audit.body.items[0]).toMatchObject({
      targetType: 'creator',
      targetId: owner.creatorId,
      metadata: { name: 'Ana Coaching', slug: 'ana-coaching-2', timezone: 'America/Mexico_City' },
    });
  });

  it('changes only the fields sent', async () => {
    const response = expectStatus(
      await http.patch<Body>('/api/hub/settings', { timezone: 'Europe/Madrid' }, { token: owner.token }),
      200,
    );
    expect(response.body).toMatchObject({
      name: 'Ana Coaching',
      slug: 'ana-coaching-2',
      timezone: 'Europe/Madrid',
    });
  });

  it('answers 422 for a time zone that does not exist, and keeps the old one', async () => {
    for (const timezone of ['Mars/Olympus_Mons', 'GMT+25', '']) {
      const response = await http.patch<Body>('/api/hub/settings', { timezone }, { token: owner.token });
      expect(response.status, timezone).toBe(422);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await settingsOf(owner)).timezone).toBe('Europe/Madrid');
  });

  it('answers 422 for a malformed handle or an empty body', async () => {
    for (const body of [
      { slug: 'no spaces allowed' },
      { slug: '-dash-first' },
      { slug: 'x'.repeat(64) },
      {},
    ]) {
      const response = await http.patch<Body>('/api/hub/settings', body, { token: owner.token });
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
  });

  it('answers 409 for a handle another creator has, and changes nothing', async () => {
    const response = await http.patch<Body>(
      '/api/hub/settings',
      { slug: other.slug, name: 'Should Not Stick' },
      { token: owner.token },
    );
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('CONFLICT');
    expect(response.body.detail).toContain(other.slug);
    expect(await settingsOf(owner)).toMatchObject({ name: 'Ana Coaching', slug: 'ana-coaching-2' });
    expect((await settingsOf(other)).slug).toBe(other.slug);
  });

  it('lets the public sign-in find the creator by its new handle', async () => {
    const response = await http.post<Body>('/api/auth/members/code', {
      creatorSlug: 'ana-coaching-2',
      email: 'member@example.com',
    });
    expect(response.status).toBe(202);
    const old = await http.post<Body>('/api/auth/members/code', {
      creatorSlug: owner.slug,
      email: 'member@example.com',
    });
    expect(old.status).toBe(404);
  });
});
