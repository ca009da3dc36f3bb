import { z } from 'zod';

export const ZConversation = z
  .object({
    id: z.uuid(),
    memberId: z.uuid().nullable(),
    accountId: z.uuid().nullable(),
    channel: z.string(),
    status: z.string(),
    startedAt: z.string(),
    lastMessageAt: z.string().nullable(),
    messageCount: z.number().int(),
  })
  .meta({ id: 'Conversation' });

export const ZConversationListQuery = z.object({
  memberId: z.uuid().optional(),
  channel: z.string().max(20).optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const ZConversationListResponse = z.object({
  items: z.array(ZConversation),
  nextCursor: z.string().nullable(),
});
export const ZConversationParams = z.object({ id: z.uuid() });

export const ZMessage = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    direction: z.enum(['in', 'out']),
    author: z.string(),
    content: z.string(),
    channel: z.string(),
    grounded: z.boolean().nullable(),
    citations: z.array(z.unknown()),
    status: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Message' });
export const ZMessagesQuery = z.object({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const ZMessagesResponse = z.object({ items: z.array(ZMessage), nextCursor: z.string().nullable() });
