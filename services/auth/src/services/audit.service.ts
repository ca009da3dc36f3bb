import type { RequestContext } from '@companero/core/auth/request-context';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '@companero/core/http/cursor';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { auditLogRepository } from '../repositories/audit-log.repository';

export type RequestMeta = { requestId: string; ip?: string; userAgent?: string };

/** Who did what, when, from where: one row per security-relevant action, in the creator's tenant. */
export const createAuditService = (deps: { db: TenantDatabase }) => ({
  /** Records inside the caller's transaction, so the entry exists if and only if the action happened. */
  async record(
    tx: TenantTx,
    ctx: RequestContext,
    entry: { action: string; targetType?: string; targetId?: string; metadata?: Record<string, unknown> },
  ): Promise<void> {
    await appendAuditEntry(tx, ctx, entry);
  },
  async list(ctx: RequestContext, query: { limit: number; cursor?: string; action?: string }) {
    const before = query.cursor
      ? decodeCursor(
          query.cursor,
          ['createdAt', 'id'] as const,
          (value) => isUuid(value.id) && isCursorTimestamp(value.createdAt),
        )
      : undefined;
    const rows = await withTenant(deps.db, ctx.creatorId, (tx) =>
      auditLogRepository.list(tx, { limit: query.limit + 1, before, action: query.action }),
    );
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => ({
        id: row.id,
        actor: { type: row.actorType, id: row.actorId, email: row.actorEmail },
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        ip: row.ip,
        userAgent: row.userAgent,
        requestId: row.requestId,
        metadata: row.metadata,
        createdAt: new Date(row.createdAt).toISOString(),
      })),
      nextCursor:
        rows.length > query.limit && page.length > 0
          ? encodeCursor({
              createdAt: new Date(page[page.length - 1]!.createdAt).toISOString(),
              id: page[page.length - 1]!.id,
            })
          : null,
    };
  },
});

export type AuditService = ReturnType<typeof createAuditService>;
