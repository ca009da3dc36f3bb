import type { TenantTx } from '@companero/db/tenant';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'waiting' | 'failed' | 'dead' | 'cancelled';

export type DeliveryRow = {
  id: string;
  messageId: string;
  memberId: string;
  channel: string;
  connectionId: string | null;
  externalId: string;
  kind: 'reply' | 'proactive' | 'system';
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  sendingStartedAt: Date | null;
  content: string;
  quickReplies: string[];
  conversationId: string;
};

const columns = `d.id, d.message_id as "messageId", d.member_id as "memberId", d.channel, d.connection_id as "connectionId",
  d.external_id as "externalId", d.kind, d.status, d.attempts, d.last_error as "lastError", d.sending_started_at as "sendingStartedAt",
  m.content, coalesce(m.metadata->'quickReplies', '[]'::jsonb) as "quickReplies", m.conversation_id as "conversationId"`;

export type DeliveryListRow = {
  id: string;
  messageId: string;
  memberId: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  preview: string;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  cursorAt: string;
};

const listColumns = `d.id, d.message_id as "messageId", d.member_id as "memberId", d.channel, d.status, d.attempts,
  d.last_error as "lastError", left(m.content, 160) as preview, d.next_attempt_at as "nextAttemptAt",
  d.created_at as "createdAt", d.updated_at as "updatedAt"`;

/** The outbound queue's state: one row per message that leaves through a provider. */
export const deliveriesRepository = {
  async insert(
    tx: TenantTx,
    input: {
      messageId: string;
      memberId: string;
      channel: string;
      connectionId: string | null;
      externalId: string;
      kind: 'reply' | 'proactive' | 'system';
    },
  ): Promise<string | null> {
    const { rows } = await tx.query<{ id: string }>(
      `insert into outbound_deliveries (creator_id, message_id, member_id, channel, connection_id, external_id, kind)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (creator_id, message_id, channel) do nothing returning id`,
      [
        tx.creatorId,
        input.messageId,
        input.memberId,
        input.channel,
        input.connectionId,
        input.externalId,
        input.kind,
      ],
    );
    return rows[0]?.id ?? null;
  },
  /** Locks the row for this attempt, so two workers never send the same delivery at once. */
  async getForUpdate(tx: TenantTx, id: string): Promise<DeliveryRow | null> {
    const { rows } = await tx.query<DeliveryRow>(
      `select ${columns} from outbound_deliveries d join messages m on m.id = d.message_id where d.id = $1 for update of d`,
      [id],
    );
    return rows[0] ?? null;
  },
  async markSending(tx: TenantTx, id: string): Promise<void> {
    await tx.query(
      `update outbound_deliveries set status = 'sending', attempts = attempts + 1, sending_started_at = now(), updated_at = now()
        where id = $1`,
      [id],
    );
  },
  async markSent(tx: TenantTx, id: string, providerMessageId: string | null): Promise<void> {
    await tx.query(
      `update outbound_deliveries set status = 'sent', provider_message_id = $2, sent_at = now(), sending_started_at = null,
         next_attempt_at = null, last_error = null, updated_at = now() where id = $1`,
      [id, providerMessageId],
    );
  },
  async markRetry(tx: TenantTx, id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await tx.query(
      `update outbound_deliveries set status = 'failed', last_error = $2, next_attempt_at = $3, sending_started_at = null,
         updated_at = now() where id = $1`,
      [id, error.slice(0, 1000), nextAttemptAt],
    );
  },
  async markDeferred(tx: TenantTx, id: string, nextAttemptAt: Date): Promise<void> {
    await tx.query(
      `update outbound_deliveries set status = 'pending', next_attempt_at = $2, updated_at = now() where id = $1`,
      [id, nextAttemptAt],
    );
  },
  async setFinal(
    tx: TenantTx,
    id: string,
    status: 'dead' | 'waiting' | 'cancelled',
    reason: string,
  ): Promise<void> {
    await tx.query(
      `update outbound_deliveries set status = $2, last_error = $3, sending_started_at = null, next_attempt_at = null,
         updated_at = now() where id = $1`,
      [id, status, reason.slice(0, 1000)],
    );
  },
  /** Dead or waiting deliveries go back to the queue (the creator pressed retry, or the window reopened). */
  async requeue(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update outbound_deliveries set status = 'pending', attempts = 0, last_error = null, next_attempt_at = null,
         sending_started_at = null, updated_at = now() where id = $1 and status in ('dead', 'waiting', 'failed')`,
      [id],
    );
    return rowCount > 0;
  },
  /** The provider reported a failure after accepting the message (WhatsApp status "failed"). */
  async failByProviderId(
    tx: TenantTx,
    channel: string,
    providerMessageId: string,
    reason: string,
  ): Promise<void> {
    await tx.query(
      `update outbound_deliveries set status = 'dead', last_error = $3, updated_at = now()
        where channel = $1 and provider_message_id = $2`,
      [channel, providerMessageId, reason.slice(0, 1000)],
    );
  },
  async waitingFor(tx: TenantTx, memberId: string, channel: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `select id from outbound_deliveries where member_id = $1 and channel = $2 and status = 'waiting' order by created_at`,
      [memberId, channel],
    );
    return rows.map((row) => row.id);
  },
  async list(
    tx: TenantTx,
    query: { status?: DeliveryStatus; limit: number },
    after?: { at: string; id: string },
  ): Promise<DeliveryListRow[]> {
    const { rows } = await tx.query<DeliveryListRow>(
      `select ${listColumns}, to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"
         from outbound_deliveries d join messages m on m.id = d.message_id
        where ($1::text is null or d.status = $1)
          and ($2::timestamptz is null or (d.created_at, d.id) < ($2::timestamptz, $3::uuid))
        order by d.created_at desc, d.id desc limit $4`,
      [query.status ?? null, after?.at ?? null, after?.id ?? null, query.limit],
    );
    return rows;
  },
};
