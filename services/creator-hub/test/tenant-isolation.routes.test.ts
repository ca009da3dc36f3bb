import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  expectStatus,
  type MemberSpec,
  query,
  registerCreator,
  type SeededMember,
  seedMember,
  uploadMembersCsv,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

const range = { from: '2025-05-01', to: '2025-05-31' };

const memberOfA: MemberSpec = {
  name: 'Alicia Secret',
  email: 'alicia.secret@example.com',
  phone: '+34699000111',
  tags: ['a-only'],
  notes: 'A’s private note',
  createdAt: '2025-05-02T00:00:00Z',
  joinedVia: 'whatsapp',
  identities: [{ channel: 'whatsapp', externalId: '34699000111', displayName: 'Alicia WA' }],
  conversations: [
    {
      channel: 'whatsapp',
      startedAt: '2025-05-02T10:00:00Z',
      messages: [
        { direction: 'in', content: 'A secret question?', at: '2025-05-02T10:00:00Z' },
        {
          direction: 'out',
          content: 'A secret answer.',
          at: '2025-05-02T10:00:02Z',
          responseMs: 2000,
          grounded: false,
          question: 'A secret question?',
          feedback: 'down',
        },
        { direction: 'in', content: 'Another one', at: '2025-05-03T10:00:00Z' },
      ],
    },
  ],
};

const memberOfB: MemberSpec = {
  name: 'Bea Own',
  email: 'bea.own@example.com',
  tags: ['b-only'],
  createdAt: '2025-05-05T00:00:00Z',
  joinedVia: 'widget',
  identities: [{ channel: 'widget', externalId: 'visitor-bea' }],
  conversations: [
    {
      channel: 'widget',
      startedAt: '2025-05-05T10:00:00Z',
      messages: [
        { direction: 'in', content: 'Bea asks', at: '2025-05-05T10:00:00Z' },
        {
          direction: 'out',
          content: 'Bea gets',
          at: '2025-05-05T10:00:01Z',
          responseMs: 1000,
          grounded: true,
          question: 'Bea asks',
        },
      ],
    },
  ],
};

describe.each(backends())('creator hub tenant isolation on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let creatorA: Creator;
  let creatorB: Creator;
  let alicia: SeededMember;
  let bea: SeededMember;

  const aliciaAsSeenByA = async () =>
    expectStatus(await http.get<Body>(`/api/hub/members/${alicia.id}`, { token: creatorA.token }), 200).body;

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    creatorA = await registerCreator(http, 'tenant-a');
    creatorB = await registerCreator(http, 'tenant-b');
    alicia = await seedMember(server, creatorA.creatorId, memberOfA);
    bea = await seedMember(server, creatorB.creatorId, memberOfB);
  });
  afterAll(async () => hub?.close());

  describe('creator B on creator A’s member', () => {
    it('answers 404 to GET, exactly as for a member that does not exist', async () => {
      const foreign = await http.get<Body>(`/api/hub/members/${alicia.id}`, { token: creatorB.token });
      const missing = await http.get<Body>('/api/hub/members/00000000-0000-4000-8000-000000000000', {
        token: creatorB.token,
      });
      expect(foreign.status).toBe(404);
      expect(foreign.body.detail).toBe(missing.body.detail);
      expect(JSON.stringify(foreign.body)).not.toContain('Alicia');
    });

    it('answers 404 to PATCH and changes nothing', async () => {
      const response = await http.patch<Body>(
        `/api/hub/members/${alicia.id}`,
        { name: 'Taken over', tags: ['b-was-here'], notes: 'overwritten' },
        { token: creatorB.token },
      );
      expect(response.status).toBe(404);
      expect(await aliciaAsSeenByA()).toMatchObject({
        name: 'Alicia Secret',
        tags: ['a-only'],
        notes: 'A’s private note',
      });
    });

    it('answers 404 to the transcript, also when B names A’s conversation on its own member', async () => {
      const response = await http.get<Body>(`/api/hub/members/${alicia.id}/messages`, {
        token: creatorB.token,
      });
      expect(response.status).toBe(404);
      const crossed = expectStatus(
        await http.get<Body>(
          `/api/hub/members/${bea.id}/messages${query({ conversationId: alicia.conversationIds[0] })}`,
          { token: creatorB.token },
        ),
        200,
      );
      expect(crossed.body).toEqual({ items: [], nextCursor: null });
    });

    it('answers 404 to the GDPR export', async () => {
      const response = await http.get<Body>(`/api/hub/members/${alicia.id}/export`, {
        token: creatorB.token,
      });
      expect(response.status).toBe(404);
      expect(JSON.stringify(response.body)).not.toContain('alicia');
    });

    it('answers 404 to DELETE and queues no erasure', async () => {
      const response = await http.delete<Body>(`/api/hub/members/${alicia.id}`, undefined, {
        token: creatorB.token,
      });
      expect(response.status).toBe(404);
      const { rows } = await server.runtime.database.query<{ count: number }>(
        `select count(*)::int as count from pgboss.job where name = 'hub-erase-member' and data->>'memberId' = $1`,
        [alicia.id],
      );
      expect(rows[0]!.count).toBe(0);
      expect((await aliciaAsSeenByA()).id).toBe(alicia.id);
    });

    it('updates none of A’s members through bulk-tag', async () => {
      const response = expectStatus(
        await http.post<Body>(
          '/api/hub/members/bulk-tag',
          { memberIds: [alicia.id], add: ['b-was-here'], remove: ['a-only'] },
          { token: creatorB.token },
        ),
        200,
      );
      expect(response.body).toEqual({ updated: 0 });
      expect((await aliciaAsSeenByA()).tags).toEqual(['a-only']);
    });

    it('creates B’s own member when B imports A’s member’s email, leaving A’s member as it was', async () => {
      const response = expectStatus(
        await uploadMembersCsv(
          server.baseUrl,
          creatorB.token,
          'name,email,phone,tags\nImpostor,ALICIA.SECRET@example.com,+34699000111,b-import\n',
        ),
        200,
      );
      expect(response.body).toEqual({ imported: 1, updated: 0, rejected: [] });
      expect(await aliciaAsSeenByA()).toMatchObject({
        name: 'Alicia Secret',
        tags: ['a-only'],
        phone: '+34699000111',
      });
    });
  });

  describe('creator B’s own views', () => {
    it('lists and searches only B’s members', async () => {
      const list = expectStatus(
        await http.get<Body>('/api/hub/members?limit=200', { token: creatorB.token }),
        200,
      );
      const emails = (list.body.items as Body[]).map((item) => item.email).sort();
      expect(emails).toEqual(['alicia.secret@example.com', 'bea.own@example.com']);
      expect((list.body.items as Body[]).map((item) => item.id)).not.toContain(alicia.id);
      for (const params of [
        { q: 'Alicia WA' },
        { q: '34699000111', channel: 'whatsapp' },
        { tag: 'a-only' },
        { channel: 'whatsapp' },
      ]) {
        const response = expectStatus(
          await http.get<Body>(`/api/hub/members${query(params)}`, { token: creatorB.token }),
          200,
        );
        expect(response.body.items, JSON.stringify(params)).toEqual([]);
      }
    });

    it('exports only B’s members as CSV', async () => {
      const response = expectStatus(
        await http.get<string>('/api/hub/members/export.csv', { token: creatorB.token }),
        200,
      );
      expect(response.body).toContain('bea.own@example.com');
      expect(response.body).not.toContain('Alicia Secret');
      expect(response.body).not.toContain('a-only');
      const lines = response.body.trim().split('\n');
      expect(lines).toHaveLength(3);
    });

    it('counts only B’s activity in analytics', async () => {
      const overview = expectStatus(
        await http.get<Body>(`/api/hub/analytics/overview${query(range)}`, { token: creatorB.token }),
        200,
      ).body;
      expect(overview).toMatchObject({
        activeMembers: 1,
        newMembers: 1,
        conversations: 1,
        messagesIn: 1,
        messagesOut: 1,
        unansweredRate: 0,
        feedback: { up: 0, down: 0 },
        byChannel: { widget: { messagesIn: 1, messagesOut: 1, activeMembers: 1 } },
        topQuestions: [{ text: 'Bea asks', count: 1, unanswered: 0, variants: 1 }],
        unansweredQuestions: [],
      });
      expect(overview.responseTimeMs.p50).toBeGreaterThan(900);
      expect(overview.responseTimeMs.p50).toBeLessThan(1100);
      const series = expectStatus(
        await http.get<Body>(
          `/api/hub/analytics/timeseries${query({ ...range, metric: 'messages_in', by: 'channel' })}`,
          {
            token: creatorB.token,
          },
        ),
        200,
      ).body;
      expect(series.points).toEqual([{ day: '2025-05-05', channel: 'widget', value: 1 }]);
      const active = expectStatus(
        await http.get<Body>(
          `/api/hub/analytics/timeseries${query({ ...range, metric: 'active_members' })}`,
          {
            token: creatorB.token,
          },
        ),
        200,
      ).body;
      expect(active.points).toEqual([{ day: '2025-05-05', channel: null, value: 1 }]);
      const times = expectStatus(
        await http.get<Body>(`/api/hub/analytics/response-times${query(range)}`, { token: creatorB.token }),
        200,
      ).body;
      expect(times.points.map((point: Body) => point.day)).toEqual(['2025-05-05']);
    });

    it('while A still sees its own figures', async () => {
      const overview = expectStatus(
        await http.get<Body>(`/api/hub/analytics/overview${query(range)}`, { token: creatorA.token }),
        200,
      ).body;
      expect(overview).toMatchObject({
        activeMembers: 1,
        newMembers: 1,
        messagesIn: 2,
        messagesOut: 1,
        unansweredRate: 1,
        feedback: { up: 0, down: 1 },
        byChannel: { whatsapp: { messagesIn: 2, messagesOut: 1, activeMembers: 1 } },
      });
    });

    it('reads and changes only B’s settings', async () => {
      const settings = expectStatus(
        await http.get<Body>('/api/hub/settings', { token: creatorB.token }),
        200,
      );
      expect(settings.body.id).toBe(creatorB.creatorId);
      const patched = expectStatus(
        await http.patch<Body>('/api/hub/settings', { timezone: 'Asia/Tokyo' }, { token: creatorB.token }),
        200,
      );
      expect(patched.body.id).toBe(creatorB.creatorId);
      const settingsOfA = expectStatus(
        await http.get<Body>('/api/hub/settings', { token: creatorA.token }),
        200,
      );
      expect(settingsOfA.body).toMatchObject({
        id: creatorA.creatorId,
        timezone: 'UTC',
        slug: creatorA.slug,
      });
    });
  });
});
