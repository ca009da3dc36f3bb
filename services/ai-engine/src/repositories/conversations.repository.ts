import type { TenantTx } from '@companero/db/tenant';

export type Owner = { memberId: string } | { accountId: string };

export type ConversationRow = {
  id: string;
  memberId: string | null;
  accountId: string | null;
  channel: string;
  status: string;
  startedAt: Date;
  lastMessageAt: Date | null;
  messageCount: number;
};

export type MessageRow = {
  id: string;
  conversationId: string;
  memberId: string | null;
  direction: 'in' | 'out';
  author: string;
  content: string;
  channel: string;
  grounded: boolean | null;
  citations: unknown[];
  status: string;
  createdAt: Date;
};

const conversationColumns = `id, member_id as "memberId", account_id as "accountId", channel, status, started_at as "startedAt",
  last_message_at as "lastMessageAt", message_count as "messageCount"`;
const messageColumns = `id, conversation_id as "conversationId", member_id as "memberId", direction, author, content, channel, grounded,
  citations, status, created_at as "createdAt"`;

// Cursors carry timestamps to the microsecond, as PostgreSQL stores them: a JavaScript Date keeps only
// milliseconds, and a cursor rounded down would repeat rows (ascending) or skip them (descending).
const cursorTimestamp = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const ownerFilter = (owner: Owner) =>
  'memberId' in owner
    ? { sql: 'member_id = $2', value: owner.memberId }
    : { sql: 'account_id = $2', value: owner.accountId };

/** Conversations and their durable messages (PostgreSQL is the memory of record; Redis only caches turns). */
export const conversationsRepository = {
  async getOwned(tx: TenantTx, id: string, owner: Owner): Promise<ConversationRow | null> {
    const filter = ownerFilter(owner);
    const { rows } = await tx.query<ConversationRow>(
      `select ${conversationColumns} from conversations where id = $1 and ${filter.sql}`,
      [id, filter.value],
    );
    return rows[0] ?? null;
  },
  async getById(tx: TenantTx, id: string): Promise<ConversationRow | null> {
    const { rows } = await tx.query<ConversationRow>(
      `select ${conversationColumns} from conversations where id = $1`,
      [id],
    );
    return rows[0] ?? null;
  },
  async latestOpen(tx: TenantTx, owner: Owner, channel: string): Promise<ConversationRow | null> {
    const filter = ownerFilter(owner);
    const { rows } = await tx.query<ConversationRow>(
      `select ${conversationColumns} from conversations where channel = $1 and ${filter.sql} and status = 'open'
        order by coalesce(last_message_at, started_at) desc limit 1`,
      [channel, filter.value],
    );
    return rows[0] ?? null;
  },
  async create(tx: TenantTx, owner: Owner, channel: string): Promise<ConversationRow> {
    const { rows } = await tx.query<ConversationRow>(
      `insert into conversations (creator_id, member_id, account_id, channel) values ($1, $2, $3, $4) returning ${conversationColumns}`,
      [
        tx.creatorId,
        'memberId' in owner ? owner.memberId : null,
        'accountId' in owner ? owner.accountId : null,
        channel,
      ],
    );
    return rows[0]!;
  },
  async list(
    tx: TenantTx,
    query: { memberId?: string; channel?: string; limit: number },
    after?: { at: string; id: string },
  ): Promise<(ConversationRow & { cursorAt: string })[]> {
    const { rows } = await tx.query<ConversationRow & { cursorAt: string }>(
      `select ${conversationColumns}, ${cursorTimestamp('coalesce(last_message_at, started_at)')} as "cursorAt"
         from conversations
        where ($1::uuid is null or member_id = $1) and ($2::text is null or channel = $2)
          and ($3::timestamptz is null or (coalesce(last_message_at, started_at), id) < ($3::timestamptz, $4::uuid))
        order by coalesce(last_message_at, started_at) desc, id desc limit $5`,
      [query.memberId ?? null, query.channel ?? null, after?.at ?? null, after?.id ?? null, query.limit],
    );
    return rows;
  },
  async insertMessage(
    tx: TenantTx,
    input: {
      conversationId: string;
      memberId: string | null;
      direction: 'in' | 'out';
      author: string;
      content: string;
      channel: string;
      grounded?: boolean;
      citations?: unknown[];
      responseMs?: number;
      /** A reply's id can be chosen before it is generated, so streamed tokens already name it. */
      id?: string;
      replyToMessageId?: string;
      metadata?: Record<string, unknown>;
    },
  ): Promise<MessageRow> {
    const { rows } = await tx.query<MessageRow>(
      `insert into messages (creator_id, conversation_id, member_id, direction, author, content, channel, grounded, citations,
         response_ms, id, reply_to_message_id, metadata)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11::uuid, gen_random_uuid()), $12, $13) returning ${messageColumns}`,
      [
        tx.creatorId,
        input.conversationId,
        input.memberId,
        input.direction,
        input.author,
        input.content,
        input.channel,
        input.grounded ?? null,
        JSON.stringify(input.citations ?? []),
        input.responseMs ?? null,
        input.id ?? null,
        input.replyToMessageId ?? null,
        JSON.stringify(input.metadata ?? {}),
      ],
    );
    await tx.query(
      'update conversations set message_count = message_count + 1, last_message_at = now() where id = $1',
      [input.conversationId],
    );
    return rows[0]!;
  },
  async replyTo(tx: TenantTx, questionId: string): Promise<MessageRow | null> {
    const { rows } = await tx.query<MessageRow>(
      `select ${messageColumns} from messages where reply_to_message_id = $1`,
      [questionId],
    );
    return rows[0] ?? null;
  },
  async recentMessages(tx: TenantTx, conversationId: string, limit: number): Promise<MessageRow[]> {
    const { rows } = await tx.query<MessageRow>(
      `select * from (select ${messageColumns} from messages where conversation_id = $1 order by created_at desc, id desc limit $2) recent
        order by "createdAt", id`,
      [conversationId, limit],
    );
    return rows;
  },
  /** A member's latest messages over all their conversations and channels, oldest first. */
  async recentMemberMessages(tx: TenantTx, memberId: string, limit: number): Promise<MessageRow[]> {
    const { rows } = await tx.query<MessageRow>(
      `select * from (select ${messageColumns} from messages where member_id = $1 order by created_at desc, id desc limit $2) recent
        order by "createdAt", id`,
      [memberId, limit],
    );
    return rows;
  },
  async listMessages(
    tx: TenantTx,
    conversationId: string,
    limit: number,
    after?: { at: string; id: string },
  ): Promise<(MessageRow & { cursorAt: string })[]> {
    const { rows } = await tx.query<MessageRow & { cursorAt: string }>(
      `select ${messageColumns}, ${cursorTimestamp('created_at')} as "cursorAt" from messages where conversation_id = $1
          and ($2::timestamptz is null or (created_at, id) > ($2::timestamptz, $3::uuid))
        order by created_at, id limit $4`,
      [conversationId, after?.at ?? null, after?.id ?? null, limit],
    );
    return rows;
  },
  async getMessage(tx: TenantTx, id: string): Promise<(MessageRow & { accountId: string | null }) | null> {
    const { rows } = await tx.query<MessageRow & { accountId: string | null }>(
      `select m.id, m.conversation_id as "conversationId", m.member_id as "memberId", m.direction, m.author, m.content, m.channel,
              m.grounded, m.citations, m.status, m.created_at as "createdAt", c.account_id as "accountId"
         from messages m join conversations c on c.id = m.conversation_id where m.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  },
  /** One rating per person per message: a second rating replaces the first. */
  async upsertFeedback(
    tx: TenantTx,
    input: {
      messageId: string;
      memberId: string | null;
      accountId: string | null;
      rating: 'up' | 'down';
      comment?: string;
    },
  ): Promise<boolean> {
    await tx.query(
      'delete from message_feedback where message_id = $1 and coalesce(member_id, account_id) = coalesce($2::uuid, $3::uuid)',
      [input.messageId, input.memberId, input.accountId],
    );
    const { rowCount } = await tx.query(
      `insert into message_feedback (creator_id, message_id, member_id, account_id, rating, comment) values ($1, $2, $3, $4, $5, $6)`,
      [tx.creatorId, input.messageId, input.memberId, input.accountId, input.rating, input.comment ?? null],
    );
    return rowCount > 0;
  },
  async recordUnanswered(tx: TenantTx, question: string, normalized: string): Promise<void> {
    await tx.query(
      `insert into unanswered_questions (creator_id, question, normalized) values ($1, $2, $3)
       on conflict (creator_id, normalized) do update set times_asked = unanswered_questions.times_asked + 1,
         last_asked_at = now(), status = case when unanswered_questions.status = 'dismissed' then 'dismissed' else 'open' end`,
      [tx.creatorId, question.slice(0, 2000), normalized],
    );
  },
};
