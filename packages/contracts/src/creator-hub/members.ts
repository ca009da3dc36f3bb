import { z } from 'zod';

export const channels = ['widget', 'whatsapp', 'telegram', 'app', 'websocket', 'push', 'email'] as const;
export const ZChannel = z.enum(channels);

const ZTag = z.string().trim().min(1).max(40);

export const ZMemberSummary = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    tags: z.array(z.string()),
    channels: z.array(z.string()),
    timezone: z.string().nullable(),
    lastSeenAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'MemberSummary' });
export type TMemberSummary = z.infer<typeof ZMemberSummary>;

export const ZMemberListQuery = z.object({
  q: z.string().trim().max(200).optional().describe('Search name, email, phone or a channel handle'),
  tag: z.string().trim().max(40).optional(),
  channel: ZChannel.optional(),
  lastSeenAfter: z.iso.datetime({ offset: true }).optional(),
  lastSeenBefore: z.iso.datetime({ offset: true }).optional(),
  sort: z.enum(['createdAt', 'lastSeenAt', 'name']).default('createdAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TMemberListQuery = z.infer<typeof ZMemberListQuery>;

export const ZMemberListResponse = z.object({
  items: z.array(ZMemberSummary),
  nextCursor: z.string().nullable(),
});

export const ZChannelIdentity = z.object({
  id: z.uuid(),
  channel: z.string(),
  externalId: z.string(),
  displayName: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string().nullable(),
});

export const ZConversationSummary = z.object({
  id: z.uuid(),
  channel: z.string(),
  status: z.string(),
  startedAt: z.string(),
  lastMessageAt: z.string().nullable(),
  messageCount: z.number().int(),
});

export const ZMemberDetail = ZMemberSummary.extend({
  notes: z.string().nullable(),
  locale: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  identities: z.array(ZChannelIdentity),
  conversations: z.array(ZConversationSummary),
  points: z.number().int().nullable().describe('Gamification points, null until the member has any'),
  streaks: z.array(
    z.object({ habitId: z.uuid(), name: z.string(), current: z.number().int(), best: z.number().int() }),
  ),
}).meta({ id: 'MemberDetail' });

export const ZMemberParams = z.object({ id: z.uuid() });

export const ZUpdateMemberRequest = z
  .object({
    name: z.string().trim().min(1).max(120).nullable().optional(),
    tags: z.array(ZTag).max(50).optional(),
    notes: z.string().max(10_000).nullable().optional(),
    timezone: z
      .string()
      .max(64)
      .nullable()
      .optional()
      .describe('The member-local clock of program waits and quiet hours; null = the creator’s'),
  })
  .refine((value) => Object.keys(value).length > 0, 'Send at least one of name, tags, notes, timezone');

export const ZBulkTagRequest = z
  .object({
    memberIds: z.array(z.uuid()).min(1).max(1000),
    add: z.array(ZTag).max(20).default([]),
    remove: z.array(ZTag).max(20).default([]),
  })
  .refine((value) => value.add.length + value.remove.length > 0, 'Add or remove at least one tag');
export const ZBulkTagResponse = z.object({ updated: z.number().int() });

export const ZMemberMessage = z.object({
  id: z.uuid(),
  conversationId: z.uuid(),
  channel: z.string(),
  direction: z.enum(['in', 'out']),
  author: z.string(),
  content: z.string(),
  grounded: z.boolean().nullable(),
  createdAt: z.string(),
});
export const ZMemberMessagesQuery = z.object({
  conversationId: z.uuid().optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const ZMemberMessagesResponse = z.object({
  items: z.array(ZMemberMessage),
  nextCursor: z.string().nullable(),
});

export const ZImportReport = z.object({
  imported: z.number().int(),
  updated: z.number().int(),
  rejected: z.array(
    z.object({ row: z.number().int().describe('1-based line number in the file'), reason: z.string() }),
  ),
});
export type TImportReport = z.infer<typeof ZImportReport>;

export const ZEraseMemberResponse = z.object({
  status: z.literal('scheduled'),
  jobId: z.string().nullable(),
});
