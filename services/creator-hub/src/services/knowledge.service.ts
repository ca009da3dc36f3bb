import { createHash } from 'node:crypto';
import type { AiComponents } from '@companero/ai/ai-components.types';
import { coachPersonaRepository } from '@companero/ai/coach-persona.repository';
import { detectDocumentType, mimeTypes } from '@companero/ai/documents/detect-document-type';
import { titleFromFileName } from '@companero/ai/documents/document-title';
import { createHybridRetriever } from '@companero/ai/retrieval/hybrid-retriever';
import { reindexOnModelChange } from '@companero/ai/retrieval/reindex-on-model-change';
import { searchConfigFor } from '@companero/ai/retrieval/search-config';
import { ingestDocumentJob, knowledgeEventsChannel } from '@companero/contracts/jobs/knowledge-jobs';
import type { StaffContext } from '@companero/core/auth/request-context';
import type { PubSub } from '@companero/core/cache/cache.types';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '@companero/core/http/cursor';
import { appendAuditEntry } from '@companero/db/audit-log';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { type DocumentRow, documentsRepository } from '../repositories/documents.repository';
import { foldersRepository } from '../repositories/folders.repository';

export type KnowledgeServiceDeps = { db: TenantDatabase; jobs: JobQueue; ai: AiComponents; pubsub: PubSub };

export const toDocumentView = (row: DocumentRow) => ({
  ...row,
  progress: Number(row.progress),
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

/** The creator's knowledge base: uploads (stored, then ingested by a durable job), folders, search. */
export const createKnowledgeService = (deps: KnowledgeServiceDeps) => {
  const retriever = createHybridRetriever({
    db: deps.db,
    embedder: deps.ai.embedder,
    vectors: deps.ai.vectors,
    onModelMismatch: reindexOnModelChange(deps.jobs),
  });

  const assertFolder = async (tx: TenantTx, folderId: string | null | undefined) => {
    if (folderId && !(await foldersRepository.getById(tx, folderId))) {
      throw new AppError('VALIDATION_FAILED', {
        message: 'That folder does not exist.',
        errors: [{ path: 'folderId', message: 'Unknown folder' }],
      });
    }
  };

  return {
    /**
     * Stores the file and queues its ingestion in one transaction: the document and its job exist together or
     * not at all. The type comes from the bytes, not the name; the same bytes twice are refused (409).
     */
    async upload(
      ctx: StaffContext,
      input: {
        fileName: string;
        bytes: Buffer;
        folderId?: string | null;
        tags?: string[];
        source?: 'upload' | 'answer';
        title?: string;
      },
    ) {
      if (input.bytes.length === 0)
        throw new AppError('VALIDATION_FAILED', {
          message: 'The file is empty.',
          errors: [{ path: 'file', message: 'Empty file' }],
        });
      const kind = await detectDocumentType(input.bytes, input.fileName);
      if (!kind) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
          message:
            'Only PDF, Word (.docx), Markdown, HTML and plain-text files can be added to the knowledge base.',
        });
      }
      const sha256 = createHash('sha256').update(input.bytes).digest('hex');
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const existing = await documentsRepository.getBySha256(tx, sha256);
        if (existing) {
          throw new AppError('CONFLICT', {
            message: `This file is already in the knowledge base as "${existing.title}" (document ${existing.id}).`,
          });
        }
        await assertFolder(tx, input.folderId);
        const document = await documentsRepository.insert(tx, {
          title: input.title ?? titleFromFileName(input.fileName),
          fileName: input.fileName.slice(0, 255),
          mimeType: mimeTypes[kind],
          content: input.bytes,
          sha256,
          folderId: input.folderId ?? null,
          tags: [...new Set(input.tags ?? [])],
          createdBy: ctx.actor.id,
          source: input.source ?? 'upload',
        });
        await deps.jobs.send(
          ingestDocumentJob,
          { creatorId: ctx.creatorId, documentId: document.id },
          { tx },
        );
        await appendAuditEntry(tx, ctx, {
          action: 'knowledge.uploaded',
          targetType: 'document',
          targetId: document.id,
          metadata: { fileName: document.fileName, bytes: document.bytes },
        });
        return { id: document.id, status: 'queued' as const };
      });
    },

    async list(
      ctx: StaffContext,
      query: { folderId?: string; status?: string; q?: string; tag?: string; cursor?: string; limit: number },
    ) {
      const after = query.cursor
        ? decodeCursor(
            query.cursor,
            ['createdAt', 'id'] as const,
            (value) => isUuid(value.id) && isCursorTimestamp(value.createdAt),
          )
        : undefined;
      const rows = await withTenant(deps.db, ctx.creatorId, (tx) =>
        documentsRepository.list(tx, { ...query, limit: query.limit + 1 }, after),
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(({ cursorAt: _cursorAt, ...row }) => toDocumentView(row)),
        nextCursor:
          rows.length > query.limit && last ? encodeCursor({ createdAt: last.cursorAt, id: last.id }) : null,
      };
    },

    async get(ctx: StaffContext, id: string) {
      const row = await withTenant(deps.db, ctx.creatorId, (tx) => documentsRepository.getById(tx, id));
      if (!row) throw notFound('document');
      return toDocumentView(row);
    },

    async update(
      ctx: StaffContext,
      id: string,
      patch: { title?: string; folderId?: string | null; tags?: string[] },
    ) {
      const row = await withTenant(deps.db, ctx.creatorId, async (tx) => {
        await assertFolder(tx, patch.folderId);
        const updated = await documentsRepository.update(tx, id, patch);
        if (!updated) throw notFound('document');
        await appendAuditEntry(tx, ctx, {
          action: 'knowledge.updated',
          targetType: 'document',
          targetId: id,
          metadata: { fields: Object.keys(patch) },
        });
        return updated;
      });
      return toDocumentView(row);
    },

    /** Removes the document, its chunks (cascade) and its vectors: nothing stale stays searchable. */
    async delete(ctx: StaffContext, id: string) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        if (!(await documentsRepository.delete(tx, id))) throw notFound('document');
        await appendAuditEntry(tx, ctx, {
          action: 'knowledge.deleted',
          targetType: 'document',
          targetId: id,
        });
      });
      await deps.ai.vectors.delete(ctx.creatorId, { where: { documentId: id } });
    },

    async reindex(ctx: StaffContext, id: string) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        if (!(await documentsRepository.getById(tx, id))) throw notFound('document');
        await documentsRepository.markQueued(tx, id);
        await deps.jobs.send(ingestDocumentJob, { creatorId: ctx.creatorId, documentId: id }, { tx });
        await appendAuditEntry(tx, ctx, {
          action: 'knowledge.reindexed',
          targetType: 'document',
          targetId: id,
        });
      });
      return { id, status: 'queued' as const };
    },

    async search(ctx: StaffContext, query: { q: string; k: number }) {
      const persona = await withTenant(deps.db, ctx.creatorId, (tx) => coachPersonaRepository.get(tx));
      const results = await retriever.retrieve(ctx.creatorId, query.q, {
        k: query.k,
        searchConfig: searchConfigFor(persona.language),
      });
      return {
        results: results.map((result) => ({
          documentId: result.documentId,
          title: result.title,
          chunkId: result.chunkId,
          text: result.text,
          headingPath: result.headingPath,
          page: result.page,
          score: Math.round(result.score * 10_000) / 10_000,
          isRelevant: result.isRelevant,
        })),
      };
    },

    /** Ingestion progress of the creator's documents, as it happens (for server-sent events). */
    subscribe(ctx: StaffContext, onEvent: (message: string) => void) {
      return deps.pubsub.subscribe(knowledgeEventsChannel(ctx.creatorId), onEvent);
    },
  };
};

export type KnowledgeService = ReturnType<typeof createKnowledgeService>;
