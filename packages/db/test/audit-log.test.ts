import { randomUUID } from 'node:crypto';
import type { RequestContext } from '@companero/core/auth/request-context';
import { appendAuditEntry, systemContext } from '@companero/db/audit-log';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, rejectionMessage, type TestDatabase } from './test-database';

type AuditRow = {
  creator_id: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: Record<string, unknown>;
};

describe.each(backends())('appendAuditEntry on $name', (backend) => {
  let test: TestDatabase;
  const creatorId = randomUUID();
  const otherCreatorId = randomUUID();

  const entriesFor = async (requestId: string) =>
    (
      await test.database.query<AuditRow>(
        `select creator_id, actor_type, actor_id, action, target_type, target_id, ip, user_agent, request_id, metadata
           from audit_log where request_id = $1`,
        [requestId],
      )
    ).rows;

  beforeAll(async () => {
    test = await openTestDatabase(backend);
    for (const [id, slug] of [
      [creatorId, 'audited'],
      [otherCreatorId, 'other'],
    ] as const) {
      await test.database.query('insert into creators (id, name, slug) values ($1, $2, $2)', [id, slug]);
    }
  });
  afterAll(async () => test?.close());

  it('records who did what to which target, from where, in the tenant of the transaction', async () => {
    const accountId = randomUUID();
    const ctx: RequestContext = {
      creatorId,
      requestId: 'req-audit-1',
      ip: '203.0.113.4',
      userAgent: 'Mozilla/5.0',
      actor: { type: 'account', id: accountId, role: 'admin' },
    };
    await withTenant(test.db, creatorId, (tx) =>
      appendAuditEntry(tx, ctx, {
        action: 'member.tagged',
        targetType: 'member',
        targetId: 'm-17',
        metadata: { tags: ['vip'] },
      }),
    );
    expect(await entriesFor('req-audit-1')).toEqual([
      {
        creator_id: creatorId,
        actor_type: 'account',
        actor_id: accountId,
        action: 'member.tagged',
        target_type: 'member',
        target_id: 'm-17',
        ip: '203.0.113.4',
        user_agent: 'Mozilla/5.0',
        request_id: 'req-audit-1',
        metadata: { tags: ['vip'] },
      },
    ]);
  });

  it('records a member as the actor of their own actions', async () => {
    const memberId = randomUUID();
    await withTenant(test.db, creatorId, (tx) =>
      appendAuditEntry(
        tx,
        { creatorId, requestId: 'req-audit-member', actor: { type: 'member', id: memberId } },
        { action: 'member.exported_data' },
      ),
    );
    expect(await entriesFor('req-audit-member')).toMatchObject([
      {
        actor_type: 'member',
        actor_id: memberId,
        target_type: null,
        ip: null,
        user_agent: null,
        metadata: {},
      },
    ]);
  });

  it('records jobs as the system actor with no actor id', async () => {
    const ctx = systemContext(creatorId, 'job-erase-1');
    expect(ctx).toEqual({ creatorId, requestId: 'job-erase-1', actor: { type: 'system' } });
    expect(systemContext(creatorId).requestId).toBe('job');
    await withTenant(test.db, creatorId, (tx) => appendAuditEntry(tx, ctx, { action: 'member.erased' }));
    expect(await entriesFor('job-erase-1')).toMatchObject([{ actor_type: 'system', actor_id: null }]);
  });

  it('records anonymous callers with no actor id', async () => {
    await withTenant(test.db, creatorId, (tx) =>
      appendAuditEntry(
        tx,
        { creatorId, requestId: 'req-anon', actor: { type: 'anonymous' } },
        { action: 'member.code_requested' },
      ),
    );
    expect(await entriesFor('req-anon')).toMatchObject([{ actor_type: 'anonymous', actor_id: null }]);
  });

  it('cuts an oversized user agent to 512 characters', async () => {
    await withTenant(test.db, creatorId, (tx) =>
      appendAuditEntry(
        tx,
        { creatorId, requestId: 'req-long-ua', userAgent: 'x'.repeat(2000), actor: { type: 'anonymous' } },
        { action: 'login.failed' },
      ),
    );
    expect((await entriesFor('req-long-ua'))[0]!.user_agent).toHaveLength(512);
  });

  it('keeps no entry when the audited action rolls back', async () => {
    const message = await rejectionMessage(
      withTenant(test.db, creatorId, async (tx) => {
        await appendAuditEntry(
          tx,
          { creatorId, requestId: 'req-rolled-back', actor: { type: 'system' } },
          { action: 'member.deleted' },
        );
        throw new Error('delete failed');
      }),
    );
    expect(message).toBe('delete failed');
    expect(await entriesFor('req-rolled-back')).toEqual([]);
  });

  it("is invisible to another creator's tenant", async () => {
    const seen = await withTenant(
      test.db,
      otherCreatorId,
      async (tx) => (await tx.query("select * from audit_log where request_id like 'req-%'")).rows.length,
    );
    expect(seen).toBe(0);
  });
});
