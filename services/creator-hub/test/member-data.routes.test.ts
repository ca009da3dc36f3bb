import { appendAuditEntry } from '@companero/db/audit-log';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type Body,
  type Creator,
  eventually,
  expectStatus,
  type MemberSpec,
  registerCreator,
  type SeededMember,
  seedMember,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

// A job another service would queue for a member (a reminder): erasure must remove it before it runs.
const reminderJob = {
  name: 'test-member-reminder',
  schema: z.object({ creatorId: z.uuid(), memberId: z.uuid(), text: z.string() }),
};

const erin: MemberSpec = {
  name: 'Erin Ortega',
  email: 'erin.ortega@example.com',
  phone: '+34655000111',
  tags: ['vip'],
  timezone: 'Europe/Madrid',
  notes: 'Asked about sleep',
  attributes: { plan: 'gold' },
  createdAt: '2025-04-01T08:00:00Z',
  lastSeenAt: '2025-04-02T09:00:05Z',
  joinedVia: 'whatsapp',
  identities: [
    { channel: 'whatsapp', externalId: '34655000111', displayName: 'Erin', at: '2025-04-01T08:00:00Z' },
    { channel: 'widget', externalId: 'visitor-erin', at: '2025-04-02T09:00:00Z' },
  ],
  conversations: [
    {
      channel: 'whatsapp',
      startedAt: '2025-04-01T08:00:00Z',
      messages: [
        {
          direction: 'in',
          content: 'How do I sleep better? Call me on +34655000111',
          at: '2025-04-01T08:00:00Z',
        },
        {
          direction: 'out',
          content: 'Keep a regular bedtime.',
          at: '2025-04-01T08:00:03Z',
          responseMs: 3000,
          grounded: true,
          question: 'How do I sleep better?',
          feedback: 'up',
        },
      ],
    },
    {
      channel: 'widget',
      startedAt: '2025-04-02T09:00:00Z',
      messages: [
        { direction: 'in', content: 'Write to erin.ortega@example.com', at: '2025-04-02T09:00:00Z' },
        {
          direction: 'out',
          content: 'Noted.',
          at: '2025-04-02T09:00:05Z',
          responseMs: 5000,
          grounded: false,
        },
      ],
    },
  ],
};

const otherMember: MemberSpec = {
  name: 'Other Person',
  email: 'other.person@example.com',
  phone: '+34655000222',
  joinedVia: 'widget',
  identities: [{ channel: 'widget', externalId: 'visitor-other' }],
  conversations: [
    {
      channel: 'widget',
      startedAt: '2025-04-01T10:00:00Z',
      messages: [{ direction: 'in', content: 'Hi', at: '2025-04-01T10:00:00Z' }],
    },
  ],
};

describe.each(backends())('creator hub member GDPR export and erasure on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let owner: Creator;
  let member: SeededMember;
  let other: SeededMember;
  let memberJobId: string;
  let otherJobId: string;

  const cacheKeys = (creatorId: string, memberId: string) => [
    `profile:creator_${creatorId}:member_${memberId}`,
    `streak:creator_${creatorId}:member_${memberId}:habit_42`,
  ];

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    owner = await registerCreator(http, 'gdpr');
    member = await seedMember(server, owner.creatorId, erin);
    other = await seedMember(server, owner.creatorId, otherMember);

    // What the rest of the platform keeps about a member: a sign-in code (through the public endpoint), a
    // session, audit entries where the member acts or is the target, cache keys, conversation memory, a
    // queued job.
    expectStatus(
      await http.post('/api/auth/members/code', { creatorSlug: owner.slug, email: erin.email }),
      202,
    );
    await withTenant(server.runtime.db, owner.creatorId, async (tx) => {
      await tx.query(
        `insert into refresh_tokens (creator_id, family_id, token_hash, subject_type, member_id, expires_at, ip, user_agent)
         values ($1, gen_random_uuid(), $2, 'member', $3, now() + interval '30 days', '203.0.113.7', 'CompaneroApp/1.0')`,
        [owner.creatorId, `hash-${member.id}`, member.id],
      );
      await appendAuditEntry(
        tx,
        {
          creatorId: owner.creatorId,
          requestId: 'req-member',
          ip: '203.0.113.7',
          userAgent: 'CompaneroApp/1.0',
          actor: { type: 'member', id: member.id },
        },
        { action: 'member.signed_in', targetType: 'member', targetId: member.id },
      );
    });
    for (const id of [member.id, other.id]) {
      for (const key of cacheKeys(owner.creatorId, id)) await server.runtime.cache.cache.set(key, 'cached');
    }
    for (const conversationId of [...member.conversationIds, ...other.conversationIds]) {
      await server.runtime.cache.memory.append(owner.creatorId, conversationId, {
        role: 'user',
        content: 'remember me',
        at: new Date().toISOString(),
      });
    }
    await server.runtime.jobs.define(reminderJob);
    const later = new Date(Date.now() + 3_600_000);
    memberJobId = (await server.runtime.jobs.send(
      reminderJob,
      { creatorId: owner.creatorId, memberId: member.id, text: 'drink water' },
      { startAfter: later },
    ))!;
    otherJobId = (await server.runtime.jobs.send(
      reminderJob,
      { creatorId: owner.creatorId, memberId: other.id, text: 'stretch' },
      { startAfter: later },
    ))!;
  });
  afterAll(async () => hub?.close());

  describe('GET /api/hub/members/{id}/export', () => {
    it('returns a copy of the profile, identities, messages, feedback, events, sessions and audit entries', async () => {
      const response = expectStatus(
        await http.get<Body>(`/api/hub/members/${member.id}/export`, { token: owner.token }),
        200,
      );
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="member-${member.id}.json"`,
      );
      const document = response.body;
      expect(Date.parse(document.exportedAt)).not.toBeNaN();
      expect(document.member).toMatchObject({
        id: member.id,
        name: 'Erin Ortega',
        email: 'erin.ortega@example.com',
        phone: '+34655000111',
        tags: ['vip'],
        notes: 'Asked about sleep',
        attributes: { plan: 'gold' },
        channels: ['whatsapp', 'widget'],
      });
      expect(document.identities.map((identity: Body) => [identity.channel, identity.externalId])).toEqual([
        ['whatsapp', '34655000111'],
        ['widget', 'visitor-erin'],
      ]);
      const messagesByConversation = Object.fromEntries(
        document.conversations.map((conversation: Body) => [
          conversation.channel,
          conversation.messages.map((message: Body) => message.content),
        ]),
      );
      expect(messagesByConversation).toEqual({
        whatsapp: ['How do I sleep better? Call me on +34655000111', 'Keep a regular bedtime.'],
        widget: ['Write to erin.ortega@example.com', 'Noted.'],
      });
      expect(document.feedback).toEqual([
        expect.objectContaining({
          messageId: member.messageIds[1],
          rating: 'up',
          comment: 'up from the member',
        }),
      ]);
      expect(document.events.map((event: Body) => event.type)).toEqual([
        'member.joined',
        'conversation.started',
        'message.in',
        'message.out',
        'feedback',
        'conversation.started',
        'message.in',
        'message.out',
      ]);
      expect(document.sessions).toEqual([
        expect.objectContaining({ ip: '203.0.113.7', userAgent: 'CompaneroApp/1.0', revokedAt: null }),
      ]);
      expect(document.auditLog.map((entry: Body) => entry.action)).toContain('member.signed_in');
      // Nothing of another member leaks into the copy.
      expect(JSON.stringify(document)).not.toContain(other.id);
      expect(JSON.stringify(document)).not.toContain('other.person@example.com');
    });

    it('records the export in the audit log', async () => {
      const audit = expectStatus(
        await http.get<Body>('/api/auth/audit?action=member.exported', { token: owner.token }),
        200,
      );
      expect(audit.body.items).toEqual([
        expect.objectContaining({
          targetType: 'member',
          targetId: member.id,
          actor: expect.objectContaining({ id: owner.accountId }),
        }),
      ]);
    });

    it('answers 404 for a member that does not exist', async () => {
      const response = await http.get<Body>('/api/hub/members/00000000-0000-4000-8000-000000000000/export', {
        token: owner.token,
      });
      expect(response.status).toBe(404);
    });
  });

  describe('DELETE /api/hub/members/{id}', () => {
    let jobId: string;

    it('answers 202 with the id of the erasure job', async () => {
      const response = expectStatus(
        await http.delete<Body>(`/api/hub/members/${member.id}`, undefined, { token: owner.token }),
        202,
      );
      expect(response.body).toEqual({ status: 'scheduled', jobId: expect.any(String) });
      jobId = response.body.jobId;
    });

    it('runs the erasure job, after which the member is gone from the API', async () => {
      await eventually(
        async () => {
          const { rows } = await server.runtime.database.query<{ state: string }>(
            'select state from pgboss.job where id = $1',
            [jobId],
          );
          if (rows[0]?.state === 'failed') throw new Error('the erasure job failed');
          return rows[0]?.state === 'completed' ? true : undefined;
        },
        { timeoutMs: 60_000, what: 'the erasure job to complete' },
      );
      const response = await http.get<Body>(`/api/hub/members/${member.id}`, { token: owner.token });
      expect(response.status).toBe(404);
      const again = await http.delete<Body>(`/api/hub/members/${member.id}`, undefined, {
        token: owner.token,
      });
      expect(again.status).toBe(404);
    });

    it('leaves the member’s id, email and phone in no table of the database', async () => {
      const { rows: tables } = await server.runtime.database.query<{ name: string }>(
        `select table_name as name from information_schema.tables
          where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
      );
      expect(tables.map((table) => table.name)).toEqual(
        expect.arrayContaining([
          'members',
          'messages',
          'audit_log',
          'analytics_events',
          'member_login_codes',
        ]),
      );
      const needles = [member.id, erin.email!, erin.phone!, erin.phone!.slice(1)];
      const found: string[] = [];
      for (const { name } of tables) {
        const { rows } = await server.runtime.database.query<{ count: number }>(
          `select count(*)::int as count from public."${name}" as row_value
            where row_value::text ilike any (array[$1, $2, $3, $4])`,
          needles.map((needle) => `%${needle}%`),
        );
        if (rows[0]!.count > 0) found.push(`${name}: ${rows[0]!.count}`);
      }
      expect(found).toEqual([]);
    });

    it('keeps the other members and their data', async () => {
      const response = expectStatus(
        await http.get<Body>(`/api/hub/members/${other.id}`, { token: owner.token }),
        200,
      );
      expect(response.body.conversations).toHaveLength(1);
      const messages = expectStatus(
        await http.get<Body>(`/api/hub/members/${other.id}/messages`, { token: owner.token }),
        200,
      );
      expect(messages.body.items).toHaveLength(1);
    });

    it('removes the member’s cache keys and conversation memory, and only theirs', async () => {
      for (const key of cacheKeys(owner.creatorId, member.id)) {
        expect(await server.runtime.cache.cache.get(key), key).toBeNull();
      }
      for (const key of cacheKeys(owner.creatorId, other.id)) {
        expect(await server.runtime.cache.cache.get(key), key).toBe('cached');
      }
      for (const conversationId of member.conversationIds) {
        expect(await server.runtime.cache.memory.recent(owner.creatorId, conversationId, 10)).toBeNull();
      }
      expect(
        await server.runtime.cache.memory.recent(owner.creatorId, other.conversationIds[0]!, 10),
      ).toHaveLength(1);
    });

    // Only where the cache is Redis: the in-process store is checked through the cache API above.
    if (backend.usesRedis)
      it('leaves no Redis key naming the member', async () => {
        const redis = new Redis(process.env.REDIS_URL!);
        try {
          const prefix = server.config.REDIS_KEY_PREFIX ?? '';
          const keysOf = async (pattern: string) => {
            const keys: string[] = [];
            let cursor = '0';
            do {
              const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
              cursor = next;
              keys.push(...batch);
            } while (cursor !== '0');
            return keys;
          };
          expect(await keysOf(`${prefix}*${member.id}*`)).toEqual([]);
          for (const conversationId of member.conversationIds) {
            expect(await keysOf(`${prefix}*${conversationId}*`)).toEqual([]);
          }
          expect(await keysOf(`${prefix}*:creator_${owner.creatorId}:member_${other.id}*`)).toHaveLength(2);
        } finally {
          await redis.quit();
        }
      });

    it('removes the queued jobs that name the member, and only those', async () => {
      const { rows } = await server.runtime.database.query<{ id: string }>(
        'select id from pgboss.job where id = any($1::uuid[])',
        [[memberJobId, otherJobId]],
      );
      expect(rows.map((row) => row.id)).toEqual([otherJobId]);
    });

    it('records the erasure in the audit log without the member’s id', async () => {
      const erased = expectStatus(
        await http.get<Body>('/api/auth/audit?action=member.erased', { token: owner.token }),
        200,
      );
      expect(erased.body.items).toEqual([
        expect.objectContaining({
          action: 'member.erased',
          actor: expect.objectContaining({ type: 'system', id: null }),
          targetType: 'member',
          targetId: null,
          metadata: { conversations: 2 },
        }),
      ]);
      const all = expectStatus(
        await http.get<Body>('/api/auth/audit?limit=200', { token: owner.token }),
        200,
      );
      expect(all.body.items.map((entry: Body) => entry.action)).toEqual(
        expect.arrayContaining(['member.erasure_requested', 'member.signed_in', 'member.exported']),
      );
      expect(JSON.stringify(all.body)).not.toContain(member.id);
    });
  });
});
