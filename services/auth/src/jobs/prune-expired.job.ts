import type { JobDefinition, JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { z } from 'zod';

/** Deletes a creator's dead auth rows: expired or long-revoked sessions, used or expired codes and invitations. */
export const pruneExpiredJob = {
  name: 'auth-prune-expired',
  schema: z.object({ creatorId: z.uuid() }),
  options: { retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 300 },
} satisfies JobDefinition<z.ZodType>;

export const pruneExpired = async (db: TenantDatabase, creatorId: string) =>
  withTenant(db, creatorId, async (tx) => {
    const sessions = await tx.query(
      `delete from refresh_tokens
        where expires_at < now() - interval '1 day' or revoked_at < now() - interval '7 days'`,
    );
    const codes = await tx.query(
      `delete from member_login_codes where expires_at < now() - interval '1 day' or consumed_at is not null`,
    );
    const invitations = await tx.query(
      `delete from team_invitations where accepted_at is null and expires_at < now() - interval '30 days'`,
    );
    return { sessions: sessions.rowCount, codes: codes.rowCount, invitations: invitations.rowCount };
  });

/** At most one pending prune per creator per hour, scheduled as sign-ins happen. */
export const schedulePrune = (jobs: JobQueue, creatorId: string) =>
  jobs.send(
    pruneExpiredJob,
    { creatorId },
    { singletonKey: creatorId, singletonSeconds: 3600, startAfter: new Date(Date.now() + 3600_000) },
  );

export const registerAuthWorkers = async (jobs: JobQueue, db: TenantDatabase) => {
  await jobs.work(pruneExpiredJob, async ({ creatorId }) => {
    await pruneExpired(db, creatorId);
  });
};
