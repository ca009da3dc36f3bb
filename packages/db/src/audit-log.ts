import type { RequestContext } from '@companero/core/auth/request-context';
import type { TenantTx } from './tenant';

export type AuditEntry = {
  action: string;
  targetType?: string;
  targetId?: string;
  metadata?: Record<string, unknown>;
};

/**
 * Appends one entry to the creator's audit log inside the caller's transaction, so the entry exists if and
 * only if the action happened. Every service records through this one function.
 */
export const appendAuditEntry = async (
  tx: TenantTx,
  ctx: RequestContext,
  entry: AuditEntry,
): Promise<void> => {
  const actor =
    ctx.actor.type === 'anonymous' || ctx.actor.type === 'system'
      ? { type: ctx.actor.type, id: null }
      : { type: ctx.actor.type, id: ctx.actor.id };
  await tx.query(
    `insert into audit_log (creator_id, actor_type, actor_id, action, target_type, target_id, ip, user_agent, request_id, metadata)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      tx.creatorId,
      actor.type,
      actor.id,
      entry.action,
      entry.targetType ?? null,
      entry.targetId ?? null,
      ctx.ip ?? null,
      ctx.userAgent?.slice(0, 512) ?? null,
      ctx.requestId,
      JSON.stringify(entry.metadata ?? {}),
    ],
  );
};

/** System actions (jobs) have no request: they are recorded as the system actor. */
export const systemContext = (creatorId: string, requestId = 'job'): RequestContext => ({
  creatorId,
  requestId,
  actor: { type: 'system' },
});
