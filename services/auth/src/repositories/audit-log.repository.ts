import type { TenantTx } from '@companero/db/tenant';

export type AuditActorType = 'account' | 'member' | 'system' | 'anonymous';

export type AuditEntryRow = {
  id: string;
  actorType: AuditActorType;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
};

export const auditLogRepository = {
  /** Newest first, keyset-paginated on (created_at, id). */
  async list(
    tx: TenantTx,
    options: { limit: number; before?: { createdAt: string; id: string }; action?: string },
  ): Promise<AuditEntryRow[]> {
    const { rows } = await tx.query<AuditEntryRow>(
      `select l.id, l.actor_type as "actorType", l.actor_id as "actorId", a.email as "actorEmail", l.action,
              l.target_type as "targetType", l.target_id as "targetId", l.ip, l.user_agent as "userAgent",
              l.request_id as "requestId", l.metadata, l.created_at as "createdAt"
         from audit_log l
         left join accounts a on l.actor_type = 'account' and a.id = l.actor_id
        where ($2::timestamptz is null or (l.created_at, l.id) < ($2::timestamptz, $3::uuid))
          and ($4::text is null or l.action = $4)
        order by l.created_at desc, l.id desc
        limit $1`,
      [options.limit, options.before?.createdAt ?? null, options.before?.id ?? null, options.action ?? null],
    );
    return rows;
  },
  async listByActor(tx: TenantTx, actorId: string): Promise<AuditEntryRow[]> {
    const { rows } = await tx.query<AuditEntryRow>(
      `select id, actor_type as "actorType", actor_id as "actorId", null as "actorEmail", action,
              target_type as "targetType", target_id as "targetId", ip, user_agent as "userAgent",
              request_id as "requestId", metadata, created_at as "createdAt"
         from audit_log where actor_id = $1 order by created_at`,
      [actorId],
    );
    return rows;
  },
  /** Erasure: the entries stay (the team keeps its history) but no longer point at the person. */
  async anonymiseActor(tx: TenantTx, actorId: string): Promise<void> {
    await tx.query(
      `update audit_log set actor_id = null, actor_type = 'anonymous', ip = null, user_agent = null,
              metadata = metadata - 'email' - 'name'
        where actor_id = $1`,
      [actorId],
    );
    await tx.query(`update audit_log set metadata = metadata - 'email' - 'name' where target_id = $1`, [
      actorId,
    ]);
  },
};
