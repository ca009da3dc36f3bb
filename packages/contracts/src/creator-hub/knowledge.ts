import { z } from 'zod';

export const documentStatuses = ['queued', 'processing', 'ready', 'failed'] as const;

export const ZKnowledgeDocument = z
  .object({
    id: z.uuid(),
    title: z.string(),
    fileName: z.string(),
    mimeType: z.string(),
    bytes: z.number().int(),
    folderId: z.uuid().nullable(),
    tags: z.array(z.string()),
    status: z.enum(documentStatuses),
    progress: z.number().min(0).max(1),
    chunkCount: z.number().int(),
    pageCount: z.number().int().nullable(),
    error: z.string().nullable(),
    source: z.enum(['upload', 'answer']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'KnowledgeDocument' });
export type TKnowledgeDocument = z.infer<typeof ZKnowledgeDocument>;

export const ZUploadDocumentResponse = z.object({ id: z.uuid(), status: z.literal('queued') });

export const ZDocumentListQuery = z.object({
  folderId: z.uuid().optional(),
  status: z.enum(documentStatuses).optional(),
  q: z.string().trim().max(200).optional(),
  tag: z.string().trim().max(40).optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const ZDocumentListResponse = z.object({
  items: z.array(ZKnowledgeDocument),
  nextCursor: z.string().nullable(),
});

export const ZDocumentParams = z.object({ id: z.uuid() });

export const ZUpdateDocumentRequest = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    folderId: z.uuid().nullable().optional(),
    tags: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'Send at least one of title, folderId, tags');

export const ZFolder = z
  .object({
    id: z.uuid(),
    name: z.string(),
    parentId: z.uuid().nullable(),
    documentCount: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'KnowledgeFolder' });
export const ZFolderListResponse = z.object({ items: z.array(ZFolder) });
export const ZCreateFolderRequest = z.object({
  name: z.string().trim().min(1).max(120),
  parentId: z.uuid().nullable().optional(),
});
export const ZUpdateFolderRequest = z
  .object({ name: z.string().trim().min(1).max(120).optional(), parentId: z.uuid().nullable().optional() })
  .refine((value) => Object.keys(value).length > 0, 'Send at least one of name, parentId');

export const ZKnowledgeSearchQuery = z.object({
  q: z.string().trim().min(1).max(2000),
  k: z.coerce.number().int().min(1).max(50).default(8),
});
export const ZKnowledgeSearchResponse = z.object({
  results: z.array(
    z.object({
      documentId: z.uuid(),
      title: z.string(),
      chunkId: z.uuid(),
      text: z.string(),
      headingPath: z.array(z.string()),
      page: z.number().int().nullable(),
      score: z.number(),
      isRelevant: z.boolean(),
    }),
  ),
});

export const ZUnansweredQuestion = z
  .object({
    id: z.uuid(),
    question: z.string(),
    timesAsked: z.number().int(),
    status: z.enum(['open', 'answered', 'dismissed']),
    answer: z.string().nullable(),
    answerDocumentId: z.uuid().nullable(),
    firstAskedAt: z.string(),
    lastAskedAt: z.string(),
  })
  .meta({ id: 'UnansweredQuestion' });
export const ZUnansweredListQuery = z.object({
  status: z.enum(['open', 'answered', 'dismissed']).default('open'),
});
export const ZUnansweredListResponse = z.object({ items: z.array(ZUnansweredQuestion) });
export const ZAnswerQuestionRequest = z.object({ answer: z.string().trim().min(1).max(20_000) });

/** Server-sent event pushed to the dashboard while documents are processed. */
export const ZKnowledgeEvent = z.object({
  documentId: z.uuid(),
  status: z.enum(documentStatuses),
  progress: z.number(),
  chunkCount: z.number().int().optional(),
  error: z.string().nullable().optional(),
});
export type TKnowledgeEvent = z.infer<typeof ZKnowledgeEvent>;
