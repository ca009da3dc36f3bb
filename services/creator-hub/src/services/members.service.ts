import type { TMemberListQuery } from '@companero/contracts/creator-hub/members';
import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '@companero/core/http/cursor';
import { isTimeZone } from '@companero/core/time/time-zone';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { withTagAddedTriggers } from '../engine/member-events';
import { memberActivityRepository } from '../repositories/member-activity.repository';
import { type MemberRow, membersRepository } from '../repositories/members.repository';

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);

export const toMemberSummary = (row: MemberRow) => ({
  id: row.id,
  name: row.name,
  email: row.email,
  phone: row.phone,
  tags: row.tags,
  channels: row.channels,
  timezone: row.timezone,
  lastSeenAt: iso(row.lastSeenAt),
  createdAt: iso(row.createdAt)!,
});

const getMember = async (db: TenantDatabase, ctx: StaffContext, id: string) => {
  return withTenant(db, ctx.creatorId, async (tx) => {
    const member = await membersRepository.getById(tx, id);
    if (!member) throw notFound('member');
    const identities = await memberActivityRepository.listIdentities(tx, id);
    const conversations = await memberActivityRepository.listConversations(tx, id);
    return {
      ...toMemberSummary(member),
      notes: member.notes,
      locale: member.locale,
      attributes: member.attributes,
      identities: identities.map((identity) => ({
        id: identity.id,
        channel: identity.channel,
        externalId: identity.externalId,
        displayName: identity.displayName,
        createdAt: iso(identity.createdAt)!,
        lastSeenAt: iso(identity.lastSeenAt),
      })),
      conversations: conversations.map((conversation) => ({
        id: conversation.id,
        channel: conversation.channel,
        status: conversation.status,
        startedAt: iso(conversation.startedAt)!,
        lastMessageAt: iso(conversation.lastMessageAt),
        messageCount: conversation.messageCount,
      })),
      points: null,
      streaks: [],
    };
  });
};

/** The creator's audience: search, detail, tags and notes, transcripts. */
export const createMembersService = (deps: { db: TenantDatabase }) => ({
  get: (ctx: StaffContext, id: string) => getMember(deps.db, ctx, id),
  async list(ctx: StaffContext, query: TMemberListQuery) {
    const cursor = query.cursor
      ? decodeCursor(
          query.cursor,
          ['key', 'id'] as const,
          (value) => isUuid(value.id) && (query.sort === 'name' || isCursorTimestamp(value.key)),
        )
      : undefined;
    const rows = await withTenant(deps.db, ctx.creatorId, (tx) => membersRepository.list(tx, query, cursor));
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toMemberSummary),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ key: last.sortKey, id: last.id }) : null,
    };
  },

  async update(
    ctx: StaffContext,
    id: string,
    patch: { name?: string | null; tags?: string[]; notes?: string | null; timezone?: string | null },
  ) {
    if (patch.timezone && !isTimeZone(patch.timezone))
      throw new AppError('VALIDATION_FAILED', {
        message: `"${patch.timezone}" is not a time zone.`,
        errors: [{ path: 'body.timezone', message: 'Use an IANA time zone such as Europe/Madrid' }],
      });
    await withTenant(deps.db, ctx.creatorId, async (tx) => {
      // Programs: a tag this member just got enrolls them where a tag_added trigger listens for it.
      const isUpdated = await withTagAddedTriggers(tx, patch.tags ? [id] : [], () =>
        membersRepository.update(tx, id, patch),
      );
      if (!isUpdated) throw notFound('member');
      await appendAuditEntry(tx, ctx, {
        action: 'member.updated',
        targetType: 'member',
        targetId: id,
        metadata: { fields: Object.keys(patch) },
      });
    });
    return getMember(deps.db, ctx, id);
  },

  async bulkTag(ctx: StaffContext, input: { memberIds: string[]; add: string[]; remove: string[] }) {
    const updated = await withTenant(deps.db, ctx.creatorId, async (tx) => {
      // Programs: tags these members just got enroll them where a tag_added trigger listens for them.
      const count = await withTagAddedTriggers(tx, input.add.length > 0 ? input.memberIds : [], () =>
        membersRepository.bulkTag(tx, input.memberIds, input.add, input.remove),
      );
      await appendAuditEntry(tx, ctx, {
        action: 'member.bulk_tagged',
        targetType: 'member',
        metadata: { count, add: input.add, remove: input.remove },
      });
      return count;
    });
    return { updated };
  },

  async messages(
    ctx: StaffContext,
    memberId: string,
    query: { conversationId?: string; cursor?: string; limit: number },
  ) {
    const after = query.cursor
      ? decodeCursor(
          query.cursor,
          ['createdAt', 'id'] as const,
          (value) => isUuid(value.id) && isCursorTimestamp(value.createdAt),
        )
      : undefined;
    const rows = await withTenant(deps.db, ctx.creatorId, async (tx) => {
      if (!(await membersRepository.getById(tx, memberId))) throw notFound('member');
      return memberActivityRepository.listMessages(tx, memberId, {
        conversationId: query.conversationId,
        after,
        limit: query.limit + 1,
      });
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        id: row.id,
        conversationId: row.conversationId,
        channel: row.channel,
        direction: row.direction,
        author: row.author,
        content: row.content,
        grounded: row.grounded,
        createdAt: row.createdAt,
      })),
      nextCursor:
        rows.length > query.limit && last ? encodeCursor({ createdAt: last.cursorAt, id: last.id }) : null,
    };
  },
});

export type MembersService = ReturnType<typeof createMembersService>;
