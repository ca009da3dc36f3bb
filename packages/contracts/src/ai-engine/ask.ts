import { z } from 'zod';

export const ZAskRequest = z.object({
  question: z.string().trim().min(1).max(4000),
  conversationId: z.uuid().optional(),
});

export const ZCitation = z
  .object({
    index: z.number().int().describe('The [n] used in the answer text'),
    documentId: z.uuid(),
    title: z.string(),
    chunkId: z.uuid(),
    snippet: z.string(),
    headingPath: z.array(z.string()),
    page: z.number().int().nullable(),
    score: z.number(),
  })
  .meta({ id: 'Citation' });
export type TCitation = z.infer<typeof ZCitation>;

export const ZAskResponse = z.object({
  answer: z.string(),
  citations: z.array(ZCitation),
  conversationId: z.uuid(),
  messageId: z.uuid(),
  grounded: z.boolean(),
  provider: z.string().describe('Which model answered: ollama, openai-compatible, llama-cpp, or extractive'),
});
export type TAskResponse = z.infer<typeof ZAskResponse>;

export const ZFeedbackRequest = z.object({
  rating: z.enum(['up', 'down']),
  comment: z.string().trim().max(2000).optional(),
});
export const ZMessageParams = z.object({ id: z.uuid() });
