import type { StaffContext } from '@companero/core/auth/request-context';
import type { CacheComponents } from '@companero/core/cache/cache.types';
import { notFound } from '@companero/core/errors/app-error';
import { appendAuditEntry, systemContext } from '@companero/db/audit-log';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { eraseMemberJob } from '../jobs/erase-member.job';
import { memberActivityRepository } from '../repositories/member-activity.repository';
import { membersRepository } from '../repositories/members.repository';

export type MemberDataServiceDeps = { db: TenantDatabase; jobs: JobQueue; cache: CacheComponents };

/** GDPR for members: a full copy of their data, and erasure everywhere as a durable job. */
export const createMemberDataService = (deps: MemberDataServiceDeps) => ({
  async export(ctx: StaffContext, memberId: string) {
    return withTenant(deps.db, ctx.creatorId, async (tx) => {
      const member = await membersRepository.getById(tx, memberId);
      if (!member) throw notFound('member');
      const conversations = await memberActivityRepository.listConversations(tx, memberId);
      const messages = await memberActivityRepository.listMessages(tx, memberId, { limit: 1_000_000 });
      const document = {
        exportedAt: new Date().toISOString(),
        member,
        identities: await memberActivityRepository.listIdentities(tx, memberId),
        conversations: conversations.map((conversation) => ({
          ...conversation,
          messages: messages.filter((message) => message.conversationId === conversation.id),
        })),
        feedback: await memberActivityRepository.listFeedback(tx, memberId),
        events: await memberActivityRepository.listEvents(tx, memberId),
        sessions: await memberActivityRepository.listSessions(tx, memberId),
        auditLog: await memberActivityRepository.listAuditEntries(tx, memberId),
        enrollments: [],
        habits: [],
      };
      await appendAuditEntry(tx, ctx, {
        action: 'member.exported',
        targetType: 'member',
        targetId: memberId,
      });
      return document;
    });
  },

  /** Schedules the erasure in the same transaction that checks the member exists and audits the request. */
  async requestErasure(ctx: StaffContext, memberId: string) {
    const jobId = await withTenant(deps.db, ctx.creatorId, async (tx) => {
      if (!(await membersRepository.getById(tx, memberId))) throw notFound('member');
      await appendAuditEntry(tx, ctx, {
        action: 'member.erasure_requested',
        targetType: 'member',
        targetId: memberId,
      });
      return deps.jobs.send(
        eraseMemberJob,
        { creatorId: ctx.creatorId, memberId, requestedBy: ctx.actor.id },
        { tx },
      );
    });
    return { status: 'scheduled' as const, jobId };
  },

  /**
   * The erasure itself (the job handler). Idempotent: a retry after a crash finds less to delete. Rows go
   * by cascade from the member row; audit entries lose the member's id; cache keys and queued jobs that
   * name the member are removed; the audit log keeps that an erasure happened, without the id.
   */
  async erase(creatorId: string, memberId: string) {
    const conversationIds = await withTenant(deps.db, creatorId, async (tx) => {
      const member = await membersRepository.getById(tx, memberId);
      const ids = await memberActivityRepository.conversationIds(tx, memberId);
      if (member?.email) await memberActivityRepository.deleteLoginCodes(tx, member.email);
      await memberActivityRepository.anonymiseAudit(tx, memberId);
      const deleted = await membersRepository.delete(tx, memberId);
      if (deleted) {
        await appendAuditEntry(tx, systemContext(creatorId), {
          action: 'member.erased',
          targetType: 'member',
          metadata: { conversations: ids.length },
        });
      }
      // Jobs still waiting that would act on this member (reminders, sends) must not run.
      await tx.query(
        `delete from pgboss.job where state in ('created', 'retry') and name <> $3
            and data->>'creatorId' = $1 and data->>'memberId' = $2`,
        [creatorId, memberId, eraseMemberJob.name],
      );
      return ids;
    });
    for (const conversationId of conversationIds) await deps.cache.memory.clear(creatorId, conversationId);
    await deps.cache.cache.deleteMatching(`*:creator_${creatorId}:member_${memberId}*`);
  },
});

export type MemberDataService = ReturnType<typeof createMemberDataService>;
