import { randomUUID } from 'node:crypto';
import type { AiComponents } from '@companero/ai/ai-components.types';
import { coachPersonaRepository } from '@companero/ai/coach-persona.repository';
import { chunkBlocks } from '@companero/ai/documents/chunker';
import { detectDocumentType } from '@companero/ai/documents/detect-document-type';
import { DocumentParseError } from '@companero/ai/documents/document-blocks';
import { titleFromFileName } from '@companero/ai/documents/document-title';
import { parseDocument } from '@companero/ai/documents/parse-document';
import { knowledgeChunksRepository } from '@companero/ai/retrieval/knowledge-chunks.repository';
import { searchConfigFor } from '@companero/ai/retrieval/search-config';
import {
  ingestDocumentJob,
  knowledgeEventsChannel,
  reindexCreatorJob,
} from '@companero/contracts/jobs/knowledge-jobs';
import type { PubSub } from '@companero/core/cache/cache.types';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import type { FastifyBaseLogger } from 'fastify';
import { ingestionRepository } from '../repositories/ingestion.repository';

export type IngestionServiceDeps = {
  db: TenantDatabase;
  ai: AiComponents;
  jobs: JobQueue;
  pubsub: PubSub;
  logger: FastifyBaseLogger;
  embedBatchSize?: number;
};

/**
 * parse → clean → chunk → embed (in batches) → index, with status and progress stored and published as it
 * goes. Order keeps search consistent: new vectors are written first, then in ONE transaction the old chunks
 * are swapped for the new ones and the document becomes ready, then the old vectors are removed (until then
 * they point at rows that no longer exist, and retrieval ignores them).
 */
export const createIngestionService = (deps: IngestionServiceDeps) => {
  const batchSize = deps.embedBatchSize ?? 64;

  const publish = (creatorId: string, event: Record<string, unknown>) =>
    deps.pubsub.publish(knowledgeEventsChannel(creatorId), JSON.stringify(event)).catch(() => {});

  const progress = async (creatorId: string, documentId: string, value: number) => {
    await withTenant(deps.db, creatorId, (tx) =>
      ingestionRepository.setProgress(tx, documentId, 'processing', value),
    );
    await publish(creatorId, { documentId, status: 'processing', progress: value });
  };

  const fail = async (creatorId: string, documentId: string, message: string) => {
    await withTenant(deps.db, creatorId, (tx) =>
      ingestionRepository.setProgress(tx, documentId, 'failed', 0, { error: message }),
    );
    await publish(creatorId, { documentId, status: 'failed', progress: 0, error: message });
  };

  return {
    async ingest(creatorId: string, documentId: string, attempt: { isLastAttempt: boolean }): Promise<void> {
      const loaded = await withTenant(deps.db, creatorId, async (tx) => {
        const document = await ingestionRepository.getForIngestion(tx, documentId);
        if (!document) return null;
        const persona = await coachPersonaRepository.get(tx);
        const oldChunkIds = await knowledgeChunksRepository.idsForDocument(tx, documentId);
        await ingestionRepository.setProgress(tx, documentId, 'processing', 0.05, { error: null });
        return { document, searchConfig: searchConfigFor(persona.language), oldChunkIds };
      });
      if (!loaded) return; // deleted before its turn came
      const { document, searchConfig, oldChunkIds } = loaded;
      await publish(creatorId, { documentId, status: 'processing', progress: 0.05 });
      try {
        const kind = await detectDocumentType(document.content, document.fileName);
        if (!kind) throw new DocumentParseError('This file type is not supported.');
        const parsed = await parseDocument(kind, document.content);
        const chunks = chunkBlocks(parsed.blocks).map((chunk) => ({ ...chunk, id: randomUUID() }));
        await progress(creatorId, documentId, 0.2);

        const collection = await deps.ai.vectors.ensureCollection(creatorId, {
          model: deps.ai.embedder.model,
          dimension: deps.ai.embedder.dimension,
        });
        if (
          collection.model !== deps.ai.embedder.model ||
          collection.dimension !== deps.ai.embedder.dimension
        ) {
          // Never mix vectors of two models: rebuild the whole collection with the current one.
          await deps.jobs.send(
            reindexCreatorJob,
            {
              creatorId,
              reason: `embedding model changed from ${collection.model} to ${deps.ai.embedder.model}`,
            },
            { singletonKey: creatorId, singletonSeconds: 60 },
          );
          throw new Error('The embedding model changed; the knowledge base is being re-indexed.');
        }
        for (let start = 0; start < chunks.length; start += batchSize) {
          const batch = chunks.slice(start, start + batchSize);
          const embeddings = await deps.ai.embedder.embed(
            batch.map((chunk) => [...chunk.headingPath, chunk.text].join('\n')),
          );
          await deps.ai.vectors.upsert(
            creatorId,
            batch.map((chunk, index) => ({
              id: chunk.id,
              embedding: embeddings[index]!,
              document: chunk.text,
              metadata: {
                documentId,
                ordinal: chunk.ordinal,
                page: chunk.page ?? 0,
                heading: chunk.headingPath.join(' > '),
              },
            })),
          );
          await progress(
            creatorId,
            documentId,
            0.2 + 0.7 * Math.min(1, (start + batch.length) / chunks.length),
          );
        }
        const isStillThere = await withTenant(deps.db, creatorId, async (tx) => {
          // The row first: it tells whether the document was deleted while we worked (inserting its chunks
          // would then violate their foreign key, and the job would fail leaving its new vectors behind).
          const isThere = await ingestionRepository.setProgress(tx, documentId, 'ready', 1, {
            error: null,
            chunkCount: chunks.length,
            pageCount: parsed.pageCount ?? null,
            embeddingModel: deps.ai.embedder.model,
            // The document's own title replaces the one guessed from the file name, never one the creator typed.
            title:
              parsed.title && document.title === titleFromFileName(document.fileName)
                ? parsed.title.slice(0, 200)
                : undefined,
          });
          if (!isThere) return false;
          await knowledgeChunksRepository.deleteForDocument(tx, documentId);
          await knowledgeChunksRepository.insertMany(tx, documentId, searchConfig, chunks);
          return true;
        });
        // Deleted while we worked: its new vectors must go too.
        const staleIds = isStillThere ? oldChunkIds : [...oldChunkIds, ...chunks.map((chunk) => chunk.id)];
        if (staleIds.length > 0) await deps.ai.vectors.delete(creatorId, { ids: staleIds });
        if (!isStillThere) await deps.ai.vectors.delete(creatorId, { where: { documentId } });
        await publish(creatorId, { documentId, status: 'ready', progress: 1, chunkCount: chunks.length });
        deps.logger.info({ creatorId, documentId, chunks: chunks.length }, 'document indexed');
      } catch (error) {
        if (error instanceof DocumentParseError) {
          await fail(creatorId, documentId, error.message);
          return;
        }
        deps.logger.error({ err: error, creatorId, documentId }, 'ingestion failed');
        if (attempt.isLastAttempt) {
          await fail(
            creatorId,
            documentId,
            'Processing failed several times. Try “Retry”, or upload the file again.',
          );
          return;
        }
        throw error;
      }
    },

    /** The collection was built with another embedding model: drop it and queue every document again. */
    async reindexCreator(creatorId: string): Promise<void> {
      await deps.ai.vectors.dropCollection(creatorId);
      await deps.ai.vectors.ensureCollection(creatorId, {
        model: deps.ai.embedder.model,
        dimension: deps.ai.embedder.dimension,
      });
      await withTenant(deps.db, creatorId, async (tx) => {
        await ingestionRepository.markAllQueued(tx);
        for (const documentId of await ingestionRepository.listDocumentIds(tx)) {
          await deps.jobs.send(ingestDocumentJob, { creatorId, documentId }, { tx });
        }
      });
    },
  };
};

export type IngestionService = ReturnType<typeof createIngestionService>;
