import type { TenantTx } from '@companero/db/tenant';

const iso = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** A member's conversations, messages and other activity, for the member page and the GDPR export. */
export const memberActivityRepository = {
  async listIdentities(tx: TenantTx, memberId: string) {
    const { rows } = await tx.query<{
      id: string;
      channel: string;
      externalId: string;
      displayName: string | null;
      metadata: Record<string, unknown>;
      createdAt: Date;
      lastSeenAt: Date | null;
    }>(
      `select id, channel, external_id as "externalId", display_name as "displayName", metadata,
              created_at as "createdAt", last_seen_at as "lastSeenAt"
         from channel_identities where member_id = $1 order by created_at`,
      [memberId],
    );
    return rows;
  },

  async listConversations(tx: TenantTx, memberId: string) {
    const { rows } = await tx.query<{
      id: string;
      channel: string;
      status: string;
      startedAt: Date;
      lastMessageAt: Date | null;
      messageCount: number;
    }>(
      `select id, channel, status, started_at as "startedAt", last_message_at as "lastMessageAt",
              message_count as "messageCount"
         from conversations where member_id = $1 order by coalesce(last_message_at, started_at) desc`,
      [memberId],
    );
    return rows;
  },

  /** Chronological, keyset-paginated on (created_at, id). */
  async listMessages(
    tx: TenantTx,
    memberId: string,
    options: { conversationId?: string; after?: { createdAt: string; id: string }; limit: number },
  ) {
    const { rows } = await tx.query<{
      id: string;
      conversationId: string;
      channel: string;
      direction: 'in' | 'out';
      author: string;
      content: string;
      grounded: boolean | null;
      createdAt: string;
      cursorAt: string;
      citations: unknown;
      status: string;
    }>(
      // cursorAt keeps the microseconds: a cursor rounded to milliseconds would repeat the page's last message.
      `select id, conversation_id as "conversationId", channel, direction, author, content, grounded, citations, status,
              to_char(created_at at time zone 'UTC', ${iso}) as "createdAt",
              to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"
         from messages
        where member_id = $1
          and ($2::uuid is null or conversation_id = $2)
          and ($3::timestamptz is null or (created_at, id) > ($3::timestamptz, $4::uuid))
        order by created_at, id
        limit $5`,
      [
        memberId,
        options.conversationId ?? null,
        options.after?.createdAt ?? null,
        options.after?.id ?? null,
        options.limit,
      ],
    );
    return rows;
  },

  async listFeedback(tx: TenantTx, memberId: string) {
    const { rows } = await tx.query(
      `select message_id as "messageId", rating, comment, created_at as "createdAt" from message_feedback where member_id = $1 order by created_at`,
      [memberId],
    );
    return rows;
  },

  async listEvents(tx: TenantTx, memberId: string) {
    const { rows } = await tx.query(
      `select type, channel, occurred_at as "occurredAt", properties from analytics_events where member_id = $1 order by occurred_at, id`,
      [memberId],
    );
    return rows;
  },

  async listSessions(tx: TenantTx, memberId: string) {
    const { rows } = await tx.query(
      `select created_at as "createdAt", expires_at as "expiresAt", used_at as "usedAt", revoked_at as "revokedAt", ip, user_agent as "userAgent"
         from refresh_tokens where member_id = $1 order by created_at`,
      [memberId],
    );
    return rows;
  },

  async listAuditEntries(tx: TenantTx, memberId: string) {
    const { rows } = await tx.query(
      `select action, target_type as "targetType", ip, user_agent as "userAgent", created_at as "createdAt"
         from audit_log where actor_id = $1 or target_id = $1::text order by created_at`,
      [memberId],
    );
    return rows;
  },

  async conversationIds(tx: TenantTx, memberId: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>('select id from conversations where member_id = $1', [
      memberId,
    ]);
    return rows.map((row) => row.id);
  },

  /** Erasure: the entries stay (the team keeps its history) without pointing at the member any more. */
  async anonymiseAudit(tx: TenantTx, memberId: string): Promise<void> {
    await tx.query(
      `update audit_log set actor_id = null, actor_type = 'anonymous', ip = null, user_agent = null
        where actor_id = $1`,
      [memberId],
    );
    await tx.query(`update audit_log set target_id = null where target_id = $1::text`, [memberId]);
  },

  async deleteLoginCodes(tx: TenantTx, email: string): Promise<void> {
    await tx.query('delete from member_login_codes where lower(email) = lower($1)', [email]);
  },
};
