import { recordAnalyticsEvent } from '@companero/db/analytics-events';
import { type TenantTx, withTenant } from '@companero/db/tenant';
import {
  type Body,
  type Creator,
  expectStatus,
  registerCreator,
  strongPassword,
  teammateToken,
  uniqueEmail,
} from '@companero/testing/creator-fixtures';
import type { JsonResponse } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';

export { type Body, type Creator, expectStatus, registerCreator, strongPassword, teammateToken, uniqueEmail };

export type Channel = 'widget' | 'whatsapp' | 'telegram' | 'app' | 'websocket';

export type MessageSpec = {
  direction: 'in' | 'out';
  content: string;
  /** ISO time; microseconds are kept (channels insert with now(), which has them). */
  at: string;
  /** Outbound only: what the channel reports to analytics. */
  responseMs?: number;
  grounded?: boolean;
  question?: string;
  feedback?: 'up' | 'down';
};

export type ConversationSpec = { channel: Channel; startedAt: string; messages: MessageSpec[] };

export type MemberSpec = {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  tags?: string[];
  timezone?: string | null;
  notes?: string | null;
  attributes?: Record<string, unknown>;
  createdAt?: string;
  lastSeenAt?: string | null;
  /** Records member.joined on this channel at createdAt, as the channel that met the member would. */
  joinedVia?: Channel;
  identities?: { channel: Channel; externalId: string; displayName?: string; at?: string }[];
  conversations?: ConversationSpec[];
};

export type SeededMember = {
  id: string;
  identityIds: string[];
  conversationIds: string[];
  /** Message ids in the order of the spec (conversation by conversation). */
  messageIds: string[];
};

const insertMember = async (tx: TenantTx, spec: MemberSpec): Promise<SeededMember> => {
  const { rows } = await tx.query<{ id: string }>(
    `insert into members (creator_id, name, email, phone, tags, timezone, notes, attributes, created_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9::timestamptz, now()), $10::timestamptz) returning id`,
    [
      tx.creatorId,
      spec.name ?? null,
      spec.email ?? null,
      spec.phone ?? null,
      spec.tags ?? [],
      spec.timezone ?? null,
      spec.notes ?? null,
      JSON.stringify(spec.attributes ?? {}),
      spec.createdAt ?? null,
      spec.lastSeenAt ?? null,
    ],
  );
  const memberId = rows[0]!.id;
  const seeded: SeededMember = { id: memberId, identityIds: [], conversationIds: [], messageIds: [] };
  if (spec.joinedVia) {
    await recordAnalyticsEvent(
      tx,
      { type: 'member.joined', memberId, channel: spec.joinedVia },
      new Date(spec.createdAt ?? Date.now()),
    );
  }
  for (const identity of spec.identities ?? []) {
    const { rows: inserted } = await tx.query<{ id: string }>(
      `insert into channel_identities (creator_id, member_id, channel, external_id, display_name, created_at, last_seen_at)
       values ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()), $6::timestamptz) returning id`,
      [
        tx.creatorId,
        memberId,
        identity.channel,
        identity.externalId,
        identity.displayName ?? null,
        identity.at ?? null,
      ],
    );
    seeded.identityIds.push(inserted[0]!.id);
  }
  for (const conversation of spec.conversations ?? []) {
    const lastAt = conversation.messages.at(-1)?.at ?? null;
    const { rows: inserted } = await tx.query<{ id: string }>(
      `insert into conversations (creator_id, member_id, channel, started_at, last_message_at, message_count)
       values ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6) returning id`,
      [
        tx.creatorId,
        memberId,
        conversation.channel,
        conversation.startedAt,
        lastAt,
        conversation.messages.length,
      ],
    );
    const conversationId = inserted[0]!.id;
    seeded.conversationIds.push(conversationId);
    await recordAnalyticsEvent(
      tx,
      { type: 'conversation.started', memberId, channel: conversation.channel, conversationId },
      new Date(conversation.startedAt),
    );
    for (const message of conversation.messages) {
      const { rows: messageRows } = await tx.query<{ id: string }>(
        `insert into messages (creator_id, conversation_id, member_id, direction, author, content, channel, grounded,
                               response_ms, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz) returning id`,
        [
          tx.creatorId,
          conversationId,
          memberId,
          message.direction,
          message.direction === 'in' ? 'member' : 'coach',
          message.content,
          conversation.channel,
          message.grounded ?? null,
          message.responseMs ?? null,
          message.at,
        ],
      );
      const messageId = messageRows[0]!.id;
      seeded.messageIds.push(messageId);
      const at = new Date(message.at);
      if (message.direction === 'in') {
        await recordAnalyticsEvent(
          tx,
          { type: 'message.in', memberId, channel: conversation.channel, messageId },
          at,
        );
      } else {
        await recordAnalyticsEvent(
          tx,
          {
            type: 'message.out',
            memberId,
            channel: conversation.channel,
            messageId,
            ...(message.responseMs !== undefined ? { responseMs: message.responseMs } : {}),
            ...(message.grounded !== undefined ? { grounded: message.grounded } : {}),
            ...(message.question !== undefined ? { question: message.question } : {}),
          },
          at,
        );
      }
      if (message.feedback) {
        await tx.query(
          `insert into message_feedback (creator_id, message_id, member_id, rating, comment, created_at)
           values ($1, $2, $3, $4, $5, $6::timestamptz)`,
          [
            tx.creatorId,
            messageId,
            memberId,
            message.feedback,
            `${message.feedback} from the member`,
            message.at,
          ],
        );
        await recordAnalyticsEvent(
          tx,
          { type: 'feedback', memberId, messageId, rating: message.feedback, channel: conversation.channel },
          at,
        );
      }
    }
  }
  return seeded;
};

/**
 * Seeds members the way the channels will write them: rows inserted under the creator's tenant transaction,
 * analytics recorded through recordAnalyticsEvent in the same transaction.
 */
export const seedMembers = (
  server: TestServer,
  creatorId: string,
  specs: MemberSpec[],
): Promise<SeededMember[]> =>
  withTenant(server.runtime.db, creatorId, async (tx) => {
    const seeded: SeededMember[] = [];
    for (const spec of specs) seeded.push(await insertMember(tx, spec));
    return seeded;
  });

export const seedMember = async (server: TestServer, creatorId: string, spec: MemberSpec) =>
  (await seedMembers(server, creatorId, [spec]))[0]!;

/** POST /api/hub/members/import as multipart/form-data, the way a browser sends a file input. */
export const uploadMembersCsv = async (
  baseUrl: string,
  token: string,
  content: string | Uint8Array,
  options: { fileName?: string; type?: string; field?: string } = {},
): Promise<JsonResponse<Body>> => {
  const form = new FormData();
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  form.append(
    options.field ?? 'file',
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: options.type ?? 'text/csv' }),
    options.fileName ?? 'members.csv',
  );
  const response = await fetch(`${baseUrl}/api/hub/members/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return {
    status: response.status,
    headers: response.headers,
    body: isJson && text ? JSON.parse(text) : { text },
  };
};

/** Follows nextCursor until the end; fails if a page repeats forever. */
export const collectPages = async <Item>(
  fetchPage: (cursor: string | null) => Promise<{ items: Item[]; nextCursor: string | null }>,
  maxPages = 200,
): Promise<Item[][]> => {
  const pages: Item[][] = [];
  let cursor: string | null = null;
  do {
    const page = await fetchPage(cursor);
    pages.push(page.items);
    cursor = page.nextCursor;
    if (pages.length > maxPages) throw new Error('pagination did not end');
  } while (cursor);
  return pages;
};

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export const eventually = async <T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> => {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
};

export const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};
