import { z } from 'zod';

/** Sent by the creator hub (upload, re-index), worked by the AI engine: parse → chunk → embed → index. */
export const ingestDocumentJob = {
  name: 'ai-ingest-document',
  schema: z.object({ creatorId: z.uuid(), documentId: z.uuid() }),
  options: { retryLimit: 3, retryDelay: 15, retryBackoff: true, expireInSeconds: 30 * 60 },
};

/** Re-embeds every document of a creator (the embedding model changed). */
export const reindexCreatorJob = {
  name: 'ai-reindex-creator',
  schema: z.object({ creatorId: z.uuid(), reason: z.string().max(200) }),
  options: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 10 * 60 },
};

/** The pub/sub channel carrying ingestion progress for one creator (dashboard progress bars). */
export const knowledgeEventsChannel = (creatorId: string) => `knowledge-events:creator_${creatorId}`;
