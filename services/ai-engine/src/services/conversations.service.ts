import type { MemberContext, StaffContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '@companero/core/http/cursor';
import { recordAnalyticsEvent } from '@companero/db/analytics-events';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import {
  type ConversationRow,
  conversationsRepository,
  type MessageRow,
} from '../repositories/conversations.repository';

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);
const toConversationView = ({ cursorAt: _cursorAt, ...row }: ConversationRow & { cursorAt?: string }) => ({
  ...row,
  startedAt: iso(row.startedAt)!,
  lastMessageAt: iso(row.lastMessageAt),
});
const toMessageView = ({
  memberId: _memberId,
  cursorAt: _cursorAt,
  ...row
}: MessageRow & { cursorAt?: string }) => ({
  ...row,
  citations: row.citations ?? [],
  createdAt: iso(row.createdAt)!,
});

type AnyContext = StaffContext | MemberContext;

/** Read access to conversations (staff: the creator's; members: their own) and feedback on answers. */
export const createConversationsService = (deps: { db: TenantDatabase }) => {
  const visibleConversation = async (
    tx: Parameters<typeof conversationsRepository.getById>[0],
    ctx: AnyContext,
    id: string,
  ) => {
    const conversation = await conversationsRepository.getById(tx, id);
    if (!conversation) throw notFound('conversation');
    if (ctx.actor.type === 'member' && conversation.memberId !== ctx.actor.id) throw notFound('conversation');
    return conversation;
  };

  return {
    async list(
      ctx: AnyContext,
      query: { memberId?: string; channel?: string; cursor?: string; limit: number },
    ) {
      const after = query.cursor
        ? decodeCursor(
            query.cursor,
            ['at', 'id'] as const,
            (value) => isUuid(value.id) && isCursorTimestamp(value.at),
          )
        : undefined;
      const memberId = ctx.actor.type === 'member' ? ctx.actor.id : query.memberId;
      const rows = await withTenant(deps.db, ctx.creatorId, (tx) =>
        conversationsRepository.list(tx, { ...query, memberId, limit: query.limit + 1 }, after),
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(toConversationView),
        nextCursor:
          rows.length > query.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
      };
    },
    async get(ctx: AnyContext, id: string) {
      return toConversationView(
        await withTenant(deps.db, ctx.creatorId, (tx) => visibleConversation(tx, ctx, id)),
      );
    },
    async messages(ctx: AnyContext, id: string, query: { cursor?: string; limit: number }) {
      const after = query.cursor
        ? decodeCursor(
            query.cursor,
            ['at', 'id'] as const,
            (value) => isUuid(value.id) && isCursorTimestamp(value.at),
          )
        : undefined;
      const rows = await withTenant(deps.db, ctx.creatorId, async (tx) => {
        await visibleConversation(tx, ctx, id);
        return conversationsRepository.listMessages(tx, id, query.limit + 1, after);
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(toMessageView),
        nextCursor:
          rows.length > query.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
      };
    },
    /** A thumbs up or down on a coach answer, by the member it was for or by the team. */
    async feedback(ctx: AnyContext, messageId: string, input: { rating: 'up' | 'down'; comment?: string }) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        const message = await conversationsRepository.getMessage(tx, messageId);
        if (!message) throw notFound('message');
        if (ctx.actor.type === 'member' && message.memberId !== ctx.actor.id) throw notFound('message');
        if (message.direction !== 'out') {
          throw new AppError('VALIDATION_FAILED', {
            message: 'Feedback is for the coach’s answers.',
            errors: [{ path: 'params.id', message: 'Not an answer' }],
          });
        }
        const isMember = ctx.actor.type === 'member';
        await conversationsRepository.upsertFeedback(tx, {
          messageId,
          memberId: isMember ? ctx.actor.id : null,
          accountId: isMember ? null : ctx.actor.id,
          rating: input.rating,
          comment: input.comment,
        });
        if (isMember)
          await recordAnalyticsEvent(tx, {
            type: 'feedback',
            memberId: ctx.actor.id,
            messageId,
            rating: input.rating,
            channel: message.channel,
          });
      });
    },
  };
};

export type ConversationsService = ReturnType<typeof createConversationsService>;
