import { backends } from '@companero/testing/backends';
import type { HttpClient, JsonResponse } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  expectStatus,
  registerCreator,
  type SeededMember,
  seedMember,
  teammateToken,
  uploadMembersCsv,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

type Role = 'viewer' | 'editor' | 'admin';

describe.each(backends())('creator hub role checks on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let owner: Creator;
  let member: SeededMember;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    owner = await registerCreator(http, 'roles');
    for (const role of ['viewer', 'editor', 'admin'] as const)
      tokens[role] = await teammateToken(http, owner, role);
    member = await seedMember(server, owner.creatorId, {
      name: 'Role Target',
      email: 'role.target@example.com',
      tags: ['original'],
      notes: 'untouched',
      joinedVia: 'widget',
      createdAt: '2025-05-01T00:00:00Z',
      conversations: [
        {
          channel: 'widget',
          startedAt: '2025-05-01T00:00:00Z',
          messages: [{ direction: 'in', content: 'hello', at: '2025-05-01T00:00:00Z' }],
        },
      ],
    });
  });
  afterAll(async () => hub?.close());

  const reads: [string, string][] = [
    ['list members', '/api/hub/members'],
    ['member detail', '/api/hub/members/{id}'],
    ['member transcript', '/api/hub/members/{id}/messages'],
    ['analytics overview', '/api/hub/analytics/overview?from=2025-05-01&to=2025-05-31'],
    [
      'analytics timeseries',
      '/api/hub/analytics/timeseries?metric=messages_in&from=2025-05-01&to=2025-05-31',
    ],
    ['response times', '/api/hub/analytics/response-times?from=2025-05-01&to=2025-05-31'],
    ['settings', '/api/hub/settings'],
  ];

  // The admin actions, each as a request a given token sends.
  const adminActions: Record<string, (token: string) => Promise<JsonResponse<Body>>> = {
    'PATCH a member': (token) =>
      http.patch<Body>(`/api/hub/members/${member.id}`, { notes: 'changed' }, { token }),
    'bulk-tag members': (token) =>
      http.post<Body>('/api/hub/members/bulk-tag', { memberIds: [member.id], add: ['changed'] }, { token }),
    'import members': (token) =>
      uploadMembersCsv(server.baseUrl, token, 'name,email\nImported,imported@example.com\n'),
    'export members as CSV': (token) => http.get<Body>('/api/hub/members/export.csv', { token }),
    'export a member (GDPR)': (token) => http.get<Body>(`/api/hub/members/${member.id}/export`, { token }),
    'DELETE a member': (token) => http.delete<Body>(`/api/hub/members/${member.id}`, undefined, { token }),
    'PATCH settings': (token) =>
      http.patch<Body>('/api/hub/settings', { timezone: 'Europe/Lisbon' }, { token }),
  };

  for (const role of ['viewer', 'editor', 'admin'] as const) {
    it(`lets ${role === 'admin' ? 'an' : 'a'} ${role} read members, transcripts, analytics and settings`, async () => {
      for (const [what, path] of reads) {
        const response = await http.get<Body>(path.replace('{id}', member.id), { token: tokens[role] });
        expect(response.status, what).toBe(200);
      }
    });
  }

  for (const role of ['viewer', 'editor'] as const) {
    it(`answers 403 to a ${role} for every admin action, and nothing changes`, async () => {
      for (const [what, send] of Object.entries(adminActions)) {
        const response = await send(tokens[role]);
        expect(response.status, what).toBe(403);
        expect(response.body.code, what).toBe('FORBIDDEN');
        expect(response.body.detail, what).toContain('admin');
      }
      const detail = expectStatus(
        await http.get<Body>(`/api/hub/members/${member.id}`, { token: owner.token }),
        200,
      );
      expect(detail.body).toMatchObject({ notes: 'untouched', tags: ['original'] });
      const list = expectStatus(await http.get<Body>('/api/hub/members', { token: owner.token }), 200);
      expect(list.body.items).toHaveLength(1);
      const settings = expectStatus(await http.get<Body>('/api/hub/settings', { token: owner.token }), 200);
      expect(settings.body.timezone).toBe('UTC');
      const { rows } = await server.runtime.database.query<{ count: number }>(
        `select count(*)::int as count from pgboss.job where name = 'hub-erase-member'`,
      );
      expect(rows[0]!.count).toBe(0);
    });
  }

  it('lets an admin do every admin action', async () => {
    const expected: Record<string, number> = {
      'PATCH a member': 200,
      'bulk-tag members': 200,
      'import members': 200,
      'export members as CSV': 200,
      'export a member (GDPR)': 200,
      'DELETE a member': 202,
      'PATCH settings': 200,
    };
    for (const [what, send] of Object.entries(adminActions)) {
      const response = await send(tokens.admin);
      expect(response.status, `${what}: ${JSON.stringify(response.body)}`).toBe(expected[what]);
    }
    const settings = expectStatus(await http.get<Body>('/api/hub/settings', { token: owner.token }), 200);
    expect(settings.body.timezone).toBe('Europe/Lisbon');
    const audit = expectStatus(
      await http.get<Body>('/api/auth/audit?limit=200', { token: owner.token }),
      200,
    );
    expect(audit.body.items.map((entry: Body) => entry.action)).toEqual(
      expect.arrayContaining([
        'member.updated',
        'member.bulk_tagged',
        'member.imported',
        'member.exported_csv',
        'member.exported',
        'member.erasure_requested',
        'creator.settings_changed',
      ]),
    );
  });

  it('answers 401 to every hub endpoint without a valid token', async () => {
    for (const [what, path] of reads) {
      const missing = await http.get<Body>(path.replace('{id}', member.id));
      expect(missing.status, what).toBe(401);
      const forged = await http.get<Body>(path.replace('{id}', member.id), { token: 'not.a.jwt' });
      expect(forged.status, what).toBe(401);
    }
  });
});
