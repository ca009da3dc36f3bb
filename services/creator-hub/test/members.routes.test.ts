import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  collectPages,
  expectStatus,
  type MemberSpec,
  query,
  registerCreator,
  type SeededMember,
  seedMember,
  seedMembers,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

// The audience of one creator: names, contacts, tags, channels and times chosen so that every filter has
// a match and a near miss, and every sort has ties (same createdAt, same lastSeenAt, same lower-case name,
// no name, never seen) that only the id can break.
const audience: Record<string, MemberSpec> = {
  anaGarcia: {
    name: 'Ana García',
    email: 'ana.garcia@example.com',
    phone: '+34600111222',
    tags: ['runner', 'vip'],
    createdAt: '2025-01-10T09:00:00.123456Z',
    lastSeenAt: '2025-03-01T10:00:00Z',
    identities: [
      { channel: 'whatsapp', externalId: '34600111222', displayName: 'Ana G.', at: '2025-01-10T09:00:00Z' },
      { channel: 'widget', externalId: 'visitor-ana', at: '2025-01-11T09:00:00Z' },
    ],
  },
  bruno: {
    name: 'bruno Díaz',
    email: 'bruno@example.com',
    tags: ['runner'],
    createdAt: '2025-01-10T09:00:00.123456Z',
    lastSeenAt: null,
    identities: [{ channel: 'telegram', externalId: '@brunod', displayName: 'Bruno D' }],
  },
  carla: {
    name: null,
    email: 'carla@example.com',
    phone: '+447700900123',
    createdAt: '2025-01-11T00:00:00Z',
    lastSeenAt: '2025-02-15T08:00:00.000001Z',
    identities: [{ channel: 'app', externalId: 'carla-device' }],
  },
  zoe: {
    name: 'Zoe Quintana',
    phone: '+34611222333',
    tags: ['vip'],
    createdAt: '2025-01-12T00:00:00Z',
    lastSeenAt: '2025-02-15T08:00:00.000001Z',
    identities: [{ channel: 'whatsapp', externalId: '34611222333' }],
  },
  anaLopez: {
    name: 'ana lópez',
    email: 'ana.lopez@example.com',
    tags: ['beginner'],
    createdAt: '2025-01-13T00:00:00Z',
    lastSeenAt: '2025-01-20T00:00:00Z',
    identities: [{ channel: 'widget', externalId: 'visitor-lopez' }],
  },
  diego: {
    name: 'Diego 100%',
    email: 'diego@example.com',
    createdAt: '2025-01-14T00:00:00Z',
  },
  anaGarciaUpper: {
    name: 'ANA GARCIA',
    email: 'ana.garcia.2@example.com',
    createdAt: '2025-01-15T00:00:00Z',
    lastSeenAt: '2025-01-20T00:00:00Z',
  },
  ...Object.fromEntries(
    Array.from({ length: 6 }, (_, index) => [
      `filler${index}`,
      {
        name: `Member ${String(index + 10)}`,
        email: `member${index + 10}@example.com`,
        tags: index % 2 === 0 ? ['even'] : [],
        createdAt: `2025-01-${String(16 + index).padStart(2, '0')}T00:00:00Z`,
        lastSeenAt: index % 3 === 0 ? null : `2025-02-${String(1 + index).padStart(2, '0')}T00:00:00Z`,
      } satisfies MemberSpec,
    ]),
  ),
};

type Summary = { id: string; name: string | null; createdAt: string; lastSeenAt: string | null };

describe.each(backends())('creator hub members on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let owner: Creator;
  const ids: Record<string, string> = {};
  const nameOf = new Map<string, string>();

  const list = async (params: Record<string, string | number | undefined>) =>
    expectStatus(await http.get<Body>(`/api/hub/members${query(params)}`, { token: owner.token }), 200).body;
  const namesFor = async (params: Record<string, string | number | undefined>) =>
    ((await list({ ...params, limit: 200 })).items as Summary[]).map((item) => nameOf.get(item.id)).sort();

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    owner = await registerCreator(http, 'audience');
    const keys = Object.keys(audience);
    const seeded = await seedMembers(
      server,
      owner.creatorId,
      keys.map((key) => audience[key]!),
    );
    keys.forEach((key, index) => {
      ids[key] = seeded[index]!.id;
      nameOf.set(seeded[index]!.id, key);
    });
  });
  afterAll(async () => hub?.close());

  describe('GET /api/hub/members search and filters', () => {
    it('finds members by part of their name, case-insensitively', async () => {
      expect(await namesFor({ q: 'garc' })).toEqual(['anaGarcia', 'anaGarciaUpper']);
      expect(await namesFor({ q: 'QUINTANA' })).toEqual(['zoe']);
    });

    it('finds members by part of their email', async () => {
      expect(await namesFor({ q: 'ana.garcia@' })).toEqual(['anaGarcia']);
      expect(await namesFor({ q: 'carla@example' })).toEqual(['carla']);
    });

    it('finds members by part of their phone number', async () => {
      expect(await namesFor({ q: '+4477009' })).toEqual(['carla']);
      expect(await namesFor({ q: '611222' })).toEqual(['zoe']);
    });

    it('finds members by a channel handle or a channel display name', async () => {
      expect(await namesFor({ q: '@brunod' })).toEqual(['bruno']);
      expect(await namesFor({ q: 'visitor-lopez' })).toEqual(['anaLopez']);
      expect(await namesFor({ q: 'Ana G.' })).toEqual(['anaGarcia']);
    });

    it('treats % and _ in the search as plain characters', async () => {
      expect(await namesFor({ q: '100%' })).toEqual(['diego']);
      expect(await namesFor({ q: '%' })).toEqual(['diego']);
      expect(await namesFor({ q: 'member_1' })).toEqual([]);
    });

    it('answers an empty page when nothing matches', async () => {
      const page = await list({ q: 'nobody-by-this-name' });
      expect(page).toEqual({ items: [], nextCursor: null });
    });

    it('filters by tag', async () => {
      expect(await namesFor({ tag: 'vip' })).toEqual(['anaGarcia', 'zoe']);
      expect(await namesFor({ tag: 'runner' })).toEqual(['anaGarcia', 'bruno']);
      expect(await namesFor({ tag: 'vi' })).toEqual([]);
    });

    it('filters by channel, and lists each member’s channels', async () => {
      expect(await namesFor({ channel: 'whatsapp' })).toEqual(['anaGarcia', 'zoe']);
      expect(await namesFor({ channel: 'telegram' })).toEqual(['bruno']);
      const page = await list({ channel: 'widget', limit: 200 });
      const anaGarcia = (page.items as Body[]).find((item) => item.id === ids.anaGarcia);
      expect(anaGarcia?.channels).toEqual(['whatsapp', 'widget']);
    });

    it('filters by last seen: after is inclusive, before is exclusive', async () => {
      expect(
        await namesFor({ lastSeenAfter: '2025-02-15T08:00:00Z', lastSeenBefore: '2025-03-01T10:00:00Z' }),
      ).toEqual(['carla', 'zoe']);
      expect(await namesFor({ lastSeenAfter: '2025-03-01T10:00:00Z' })).toEqual(['anaGarcia']);
      expect(await namesFor({ lastSeenBefore: '2025-01-20T00:00:01Z' })).toEqual([
        'anaGarciaUpper',
        'anaLopez',
      ]);
    });

    it('combines search, tag and channel filters', async () => {
      expect(await namesFor({ tag: 'vip', channel: 'whatsapp' })).toEqual(['anaGarcia', 'zoe']);
      expect(await namesFor({ q: 'garc', tag: 'vip', channel: 'whatsapp' })).toEqual(['anaGarcia']);
      expect(await namesFor({ q: 'ana', tag: 'beginner', channel: 'whatsapp' })).toEqual([]);
    });

    it('answers 422 for an unknown channel, a bad date or a limit out of range', async () => {
      for (const params of [
        { channel: 'fax' },
        { lastSeenAfter: 'yesterday' },
        { limit: 0 },
        { limit: 201 },
      ]) {
        const response = await http.get<Body>(`/api/hub/members${query(params)}`, { token: owner.token });
        expect(response.status).toBe(422);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
    });

    it('answers 401 without a token', async () => {
      const response = await http.get<Body>('/api/hub/members');
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });
  });

  describe('GET /api/hub/members sorting and cursor pagination', () => {
    // The order the API promises: the sort key (NULL lastSeenAt and NULL names fold to the lowest value),
    // then the id, both in the requested direction.
    const expectedOrder = (sort: 'createdAt' | 'lastSeenAt', order: 'asc' | 'desc') => {
      const key = (name: string) => {
        const spec = audience[name]!;
        return sort === 'createdAt'
          ? Date.parse(spec.createdAt!) * 1000 + Number(spec.createdAt!.match(/\.\d{3}(\d{3})/)?.[1] ?? 0)
          : spec.lastSeenAt
            ? Date.parse(spec.lastSeenAt) * 1000 + Number(spec.lastSeenAt.match(/\.\d{3}(\d{3})/)?.[1] ?? 0)
            : Number.NEGATIVE_INFINITY;
      };
      const sign = order === 'asc' ? 1 : -1;
      return Object.keys(audience).sort((a, b) => {
        const [keyA, keyB] = [key(a), key(b)];
        if (keyA !== keyB) return sign * (keyA < keyB ? -1 : 1);
        return sign * (ids[a]! < ids[b]! ? -1 : 1);
      });
    };

    const walk = async (sort: string, order: string, limit: number) =>
      collectPages(async (cursor) => {
        const page = await list({ sort, order, limit, cursor: cursor ?? undefined });
        expect((page.items as Body[]).length).toBeLessThanOrEqual(limit);
        return page as { items: Summary[]; nextCursor: string | null };
      });

    for (const sort of ['createdAt', 'lastSeenAt'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        it(`visits every member exactly once, in ${sort} ${order} order, three per page`, async () => {
          const pages = await walk(sort, order, 3);
          const visited = pages.flat().map((item) => nameOf.get(item.id));
          expect(pages.length).toBe(Math.ceil(Object.keys(audience).length / 3));
          expect(new Set(visited).size).toBe(visited.length);
          expect(visited).toEqual(expectedOrder(sort, order));
        });
      }
    }

    for (const order of ['asc', 'desc'] as const) {
      it(`visits every member exactly once by name ${order}, nameless members counting as the lowest`, async () => {
        const pages = await walk('name', order, 2);
        const visited = pages.flat().map((item) => item.id);
        const all = ((await list({ sort: 'name', order, limit: 200 })).items as Summary[]).map(
          (item) => item.id,
        );
        expect(visited).toEqual(all);
        expect(new Set(visited).size).toBe(Object.keys(audience).length);
        const position = (name: string) => visited.indexOf(ids[name]!);
        const ascending = order === 'asc' ? 1 : -1;
        expect(ascending * (position('carla') - position('anaGarcia'))).toBeLessThan(0);
        expect(ascending * (position('anaGarcia') - position('bruno'))).toBeLessThan(0);
        expect(ascending * (position('anaGarciaUpper') - position('bruno'))).toBeLessThan(0);
        expect(ascending * (position('bruno') - position('zoe'))).toBeLessThan(0);
      });
    }

    it('pages through a filtered list without leaking members outside the filter', async () => {
      const pages = await collectPages(async (cursor) => {
        const page = await list({
          q: 'ana',
          sort: 'name',
          order: 'asc',
          limit: 1,
          cursor: cursor ?? undefined,
        });
        expect((page.items as Body[]).length).toBeLessThanOrEqual(1);
        return page as { items: Summary[]; nextCursor: string | null };
      });
      expect(
        pages
          .flat()
          .map((item) => nameOf.get(item.id))
          .sort(),
      ).toEqual(['anaGarcia', 'anaGarciaUpper', 'anaLopez', 'zoe']);
    });

    it('answers 422 for a cursor that is not one it issued', async () => {
      const forged = [
        'not-a-cursor',
        Buffer.from('{"key":1}').toString('base64url'),
        Buffer.from(JSON.stringify({ key: 'not a date', id: ids.zoe })).toString('base64url'),
        Buffer.from(JSON.stringify({ key: '2025-01-01T00:00:00.000000Z', id: 'not-a-uuid' })).toString(
          'base64url',
        ),
      ];
      for (const cursor of forged) {
        const response = await http.get<Body>(`/api/hub/members${query({ cursor })}`, { token: owner.token });
        expect(response.status, cursor).toBe(422);
        expect(response.body.errors).toEqual([{ path: 'query.cursor', message: 'Invalid cursor' }]);
      }
    });

    it('answers 422 when a name cursor is sent back with a date sort', async () => {
      const first = await list({ sort: 'name', order: 'asc', limit: 2 });
      const response = await http.get<Body>(
        `/api/hub/members${query({ sort: 'createdAt', cursor: first.nextCursor as string })}`,
        { token: owner.token },
      );
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('GET /api/hub/members/{id}', () => {
    it('returns the profile with channel identities, conversations, tags and last seen', async () => {
      const seeded = await seedMember(server, owner.creatorId, {
        name: 'Detail Person',
        email: 'detail@example.com',
        phone: '+34622000111',
        tags: ['vip'],
        timezone: 'Europe/Madrid',
        notes: 'Met at the March workshop',
        attributes: { plan: 'gold' },
        createdAt: '2025-02-01T00:00:00Z',
        lastSeenAt: '2025-02-03T09:00:00Z',
        identities: [
          { channel: 'whatsapp', externalId: '34622000111', displayName: 'Det', at: '2025-02-01T00:00:00Z' },
          { channel: 'telegram', externalId: '@detail', at: '2025-02-02T00:00:00Z' },
        ],
        conversations: [
          {
            channel: 'whatsapp',
            startedAt: '2025-02-01T10:00:00Z',
            messages: [
              { direction: 'in', content: 'Hola', at: '2025-02-01T10:00:00Z' },
              { direction: 'out', content: '¡Hola!', at: '2025-02-01T10:00:02Z' },
            ],
          },
          {
            channel: 'telegram',
            startedAt: '2025-02-03T09:00:00Z',
            messages: [{ direction: 'in', content: 'Hi again', at: '2025-02-03T09:00:00Z' }],
          },
        ],
      });
      const response = expectStatus(
        await http.get<Body>(`/api/hub/members/${seeded.id}`, { token: owner.token }),
        200,
      );
      expect(response.body).toMatchObject({
        id: seeded.id,
        name: 'Detail Person',
        email: 'detail@example.com',
        phone: '+34622000111',
        tags: ['vip'],
        channels: ['telegram', 'whatsapp'],
        timezone: 'Europe/Madrid',
        notes: 'Met at the March workshop',
        attributes: { plan: 'gold' },
        lastSeenAt: '2025-02-03T09:00:00.000Z',
        createdAt: '2025-02-01T00:00:00.000Z',
        points: null,
        streaks: [],
      });
      expect(response.body.identities).toEqual([
        {
          id: seeded.identityIds[0],
          channel: 'whatsapp',
          externalId: '34622000111',
          displayName: 'Det',
          createdAt: '2025-02-01T00:00:00.000Z',
          lastSeenAt: '2025-02-01T00:00:00.000Z',
        },
        {
          id: seeded.identityIds[1],
          channel: 'telegram',
          externalId: '@detail',
          displayName: null,
          createdAt: '2025-02-02T00:00:00.000Z',
          lastSeenAt: '2025-02-02T00:00:00.000Z',
        },
      ]);
      // Most recent conversation first.
      expect(response.body.conversations).toEqual([
        {
          id: seeded.conversationIds[1],
          channel: 'telegram',
          status: 'open',
          startedAt: '2025-02-03T09:00:00.000Z',
          lastMessageAt: '2025-02-03T09:00:00.000Z',
          messageCount: 1,
        },
        {
          id: seeded.conversationIds[0],
          channel: 'whatsapp',
          status: 'open',
          startedAt: '2025-02-01T10:00:00.000Z',
          lastMessageAt: '2025-02-01T10:00:02.000Z',
          messageCount: 2,
        },
      ]);
    });

    it('answers 404 for an id that is not a member, 422 for one that is not a UUID', async () => {
      const missing = await http.get<Body>('/api/hub/members/00000000-0000-4000-8000-000000000000', {
        token: owner.token,
      });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('NOT_FOUND');
      const malformed = await http.get<Body>('/api/hub/members/42', { token: owner.token });
      expect(malformed.status).toBe(422);
    });
  });

  describe('PATCH /api/hub/members/{id}', () => {
    let member: SeededMember;
    beforeAll(async () => {
      member = await seedMember(server, owner.creatorId, {
        name: 'Patch Me',
        email: 'patch@example.com',
        tags: ['old'],
        notes: 'first note',
      });
    });

    it('changes tags (without duplicates), notes and name, and audits which fields changed', async () => {
      const response = expectStatus(
        await http.patch<Body>(
          `/api/hub/members/${member.id}`,
          { name: '  Patricia Mendes ', tags: ['vip', 'vip', 'spring-2025'], notes: 'Prefers mornings' },
          { token: owner.token },
        ),
        200,
      );
      expect(response.body).toMatchObject({
        id: member.id,
        name: 'Patricia Mendes',
        tags: ['vip', 'spring-2025'],
        notes: 'Prefers mornings',
        email: 'patch@example.com',
      });
      const reread = expectStatus(
        await http.get<Body>(`/api/hub/members/${member.id}`, { token: owner.token }),
        200,
      );
      expect(reread.body).toMatchObject({ name: 'Patricia Mendes', notes: 'Prefers mornings' });
      const audit = expectStatus(
        await http.get<Body>('/api/auth/audit?action=member.updated', { token: owner.token }),
        200,
      );
      expect(audit.body.items[0]).toMatchObject({
        action: 'member.updated',
        targetType: 'member',
        targetId: member.id,
        actor: { type: 'account', id: owner.accountId },
        metadata: { fields: ['name', 'tags', 'notes'] },
      });
    });

    it('changes only the fields sent, and clears name and notes with null', async () => {
      const response = expectStatus(
        await http.patch<Body>(`/api/hub/members/${member.id}`, { notes: null }, { token: owner.token }),
        200,
      );
      expect(response.body).toMatchObject({
        name: 'Patricia Mendes',
        notes: null,
        tags: ['vip', 'spring-2025'],
      });
      const cleared = expectStatus(
        await http.patch<Body>(
          `/api/hub/members/${member.id}`,
          { name: null, tags: [] },
          { token: owner.token },
        ),
        200,
      );
      expect(cleared.body).toMatchObject({ name: null, notes: null, tags: [] });
    });

    it('answers 422 for an empty body, an empty tag or a name too long, and changes nothing', async () => {
      for (const body of [{}, { tags: [''] }, { tags: ['x'.repeat(41)] }, { name: 'n'.repeat(121) }]) {
        const response = await http.patch<Body>(`/api/hub/members/${member.id}`, body, {
          token: owner.token,
        });
        expect(response.status, JSON.stringify(body)).toBe(422);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
      const reread = expectStatus(
        await http.get<Body>(`/api/hub/members/${member.id}`, { token: owner.token }),
        200,
      );
      expect(reread.body).toMatchObject({ name: null, tags: [] });
    });

    it('answers 404 for a member that does not exist', async () => {
      const response = await http.patch<Body>(
        '/api/hub/members/00000000-0000-4000-8000-000000000000',
        { notes: 'x' },
        { token: owner.token },
      );
      expect(response.status).toBe(404);
    });
  });

  describe('POST /api/hub/members/bulk-tag', () => {
    it('adds and removes tags on many members at once, keeping each list sorted and unique', async () => {
      const [one, two, three] = await seedMembers(server, owner.creatorId, [
        { email: 'bulk1@example.com', tags: ['runner', 'vip'] },
        { email: 'bulk2@example.com', tags: ['runner'] },
        { email: 'bulk3@example.com', tags: ['spring'] },
      ]);
      const response = expectStatus(
        await http.post<Body>(
          '/api/hub/members/bulk-tag',
          { memberIds: [one!.id, two!.id, three!.id], add: ['spring', 'challenge'], remove: ['runner'] },
          { token: owner.token },
        ),
        200,
      );
      expect(response.body).toEqual({ updated: 3 });
      const tagsOf = async (id: string) =>
        expectStatus(await http.get<Body>(`/api/hub/members/${id}`, { token: owner.token }), 200).body.tags;
      expect(await tagsOf(one!.id)).toEqual(['challenge', 'spring', 'vip']);
      expect(await tagsOf(two!.id)).toEqual(['challenge', 'spring']);
      expect(await tagsOf(three!.id)).toEqual(['challenge', 'spring']);
      expect(await namesFor({ tag: 'runner' })).toEqual(['anaGarcia', 'bruno']);
    });

    it('counts only members that exist', async () => {
      const [one] = await seedMembers(server, owner.creatorId, [{ email: 'bulk4@example.com' }]);
      const response = expectStatus(
        await http.post<Body>(
          '/api/hub/members/bulk-tag',
          { memberIds: [one!.id, '00000000-0000-4000-8000-000000000000'], add: ['x'] },
          { token: owner.token },
        ),
        200,
      );
      expect(response.body).toEqual({ updated: 1 });
    });

    it('answers 422 when there is no tag to add or remove, or no member', async () => {
      for (const body of [
        { memberIds: [ids.zoe] },
        { memberIds: [], add: ['x'] },
        { memberIds: ['nope'], add: ['x'] },
      ]) {
        const response = await http.post<Body>('/api/hub/members/bulk-tag', body, { token: owner.token });
        expect(response.status, JSON.stringify(body)).toBe(422);
      }
    });
  });

  describe('GET /api/hub/members/{id}/messages', () => {
    let member: SeededMember;
    // Two conversations whose messages interleave in time; two messages share an instant; times carry
    // microseconds, as rows inserted with now() do.
    const whatsapp = [
      { direction: 'in', content: 'w1 Hola', at: '2025-02-01T10:00:00.100001Z' },
      { direction: 'out', content: 'w2 ¡Hola!', at: '2025-02-01T10:00:02.500002Z' },
      { direction: 'in', content: 'w3 same instant', at: '2025-02-02T12:00:05.555555Z' },
      { direction: 'in', content: 'w4 later', at: '2025-02-03T09:00:00.000001Z' },
    ] as const;
    const widget = [
      { direction: 'in', content: 'g1 from the web', at: '2025-02-02T12:00:00.000001Z' },
      { direction: 'out', content: 'g2 answer', at: '2025-02-02T12:00:01.000999Z' },
      { direction: 'in', content: 'g3 same instant', at: '2025-02-02T12:00:05.555555Z' },
      { direction: 'out', content: 'g4 bye', at: '2025-02-03T09:00:00.000002Z' },
    ] as const;

    beforeAll(async () => {
      member = await seedMember(server, owner.creatorId, {
        email: 'transcript@example.com',
        conversations: [
          { channel: 'whatsapp', startedAt: '2025-02-01T10:00:00Z', messages: [...whatsapp] },
          { channel: 'widget', startedAt: '2025-02-02T12:00:00Z', messages: [...widget] },
        ],
      });
    });

    const expectedTranscript = () => {
      const all = [...whatsapp, ...widget].map((message, index) => ({
        ...message,
        id: member.messageIds[index]!,
        channel: index < whatsapp.length ? 'whatsapp' : 'widget',
      }));
      return all.sort((a, b) => (a.at === b.at ? (a.id < b.id ? -1 : 1) : a.at < b.at ? -1 : 1));
    };

    it('returns the whole transcript across channels, oldest first', async () => {
      const response = expectStatus(
        await http.get<Body>(`/api/hub/members/${member.id}/messages`, { token: owner.token }),
        200,
      );
      expect(response.body.nextCursor).toBeNull();
      expect(response.body.items.map((item: Body) => item.content)).toEqual(
        expectedTranscript().map((message) => message.content),
      );
      expect(response.body.items[0]).toEqual({
        id: member.messageIds[0],
        conversationId: member.conversationIds[0],
        channel: 'whatsapp',
        direction: 'in',
        author: 'member',
        content: 'w1 Hola',
        grounded: null,
        createdAt: expect.stringMatching(/^2025-02-01T10:00:00\.100/),
      });
    });

    it('pages through the transcript, every message exactly once and in order', async () => {
      for (const limit of [1, 2, 3]) {
        const pages = await collectPages(async (cursor) => {
          const response = expectStatus(
            await http.get<Body>(
              `/api/hub/members/${member.id}/messages${query({ limit, cursor: cursor ?? undefined })}`,
              {
                token: owner.token,
              },
            ),
            200,
          );
          return response.body as { items: Body[]; nextCursor: string | null };
        });
        expect(
          pages.flat().map((item) => item.id),
          `limit ${limit}`,
        ).toEqual(expectedTranscript().map((message) => message.id));
      }
    });

    it('narrows the transcript to one conversation', async () => {
      const response = expectStatus(
        await http.get<Body>(
          `/api/hub/members/${member.id}/messages${query({ conversationId: member.conversationIds[1] })}`,
          { token: owner.token },
        ),
        200,
      );
      expect(response.body.items.map((item: Body) => item.content)).toEqual(
        widget.map((message) => message.content),
      );
    });

    it('answers 404 for an unknown member and 422 for a forged cursor', async () => {
      const missing = await http.get<Body>('/api/hub/members/00000000-0000-4000-8000-000000000000/messages', {
        token: owner.token,
      });
      expect(missing.status).toBe(404);
      for (const cursor of [
        'garbage',
        Buffer.from(JSON.stringify({ createdAt: 'soon', id: member.messageIds[0] })).toString('base64url'),
      ]) {
        const forged = await http.get<Body>(`/api/hub/members/${member.id}/messages${query({ cursor })}`, {
          token: owner.token,
        });
        expect(forged.status, cursor).toBe(422);
      }
    });
  });
});
