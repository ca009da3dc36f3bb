import type { ServerResponse } from 'node:http';
import {
  ZAnswerQuestionRequest,
  ZCreateFolderRequest,
  ZDocumentListQuery,
  ZDocumentListResponse,
  ZDocumentParams,
  ZFolder,
  ZFolderListResponse,
  ZKnowledgeDocument,
  ZKnowledgeSearchQuery,
  ZKnowledgeSearchResponse,
  ZUnansweredListQuery,
  ZUnansweredListResponse,
  ZUnansweredQuestion,
  ZUpdateDocumentRequest,
  ZUpdateFolderRequest,
  ZUploadDocumentResponse,
} from '@companero/contracts/creator-hub/knowledge';
import { staffContext } from '@companero/core/auth/auth.plugin';
import { AppError } from '@companero/core/errors/app-error';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { HubServices } from '../hub-services';

const parseTags = (raw: string | undefined): string[] => {
  if (!raw) return [];
  const trimmed = raw.trim();
  const list = trimmed.startsWith('[') ? (JSON.parse(trimmed) as unknown) : trimmed.split(',');
  if (!Array.isArray(list)) return [];
  return list
    .map((tag) => String(tag).trim())
    .filter((tag) => tag.length > 0 && tag.length <= 40)
    .slice(0, 30);
};

export const knowledgeRoutes = async (
  app: HttpApp,
  { services, maxUploadBytes }: { services: HubServices; maxUploadBytes: number },
) => {
  const tags = ['knowledge'];
  const security = [{ bearerAuth: [] }];
  const read = app.requireStaff('viewer');
  const edit = app.requireStaff('editor');

  // Event streams never end on their own: a shutting-down replica ends them (the dashboard reconnects, to
  // another replica behind nginx) instead of waiting on them until the shutdown deadline.
  const openStreams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const stream of openStreams) stream.end();
  });

  app.post(
    '/knowledge/documents',
    {
      preHandler: edit,
      schema: {
        tags,
        summary:
          'Upload a PDF, DOCX, Markdown, HTML or text file (multipart `file`, optional `folderId`, `tags`)',
        security,
        consumes: ['multipart/form-data'],
        response: { 202: ZUploadDocumentResponse, ...problemResponses(401, 403, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart())
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
          message: 'Send the file as multipart/form-data in a field named "file".',
        });
      let file: { fileName: string; bytes: Buffer } | undefined;
      const fields: Record<string, string> = {};
      for await (const part of request.parts({ limits: { fileSize: maxUploadBytes, files: 1 } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file') {
            await part.toBuffer();
            continue;
          }
          file = { fileName: part.filename || 'document', bytes: await part.toBuffer() };
        } else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
      }
      if (!file)
        throw new AppError('VALIDATION_FAILED', {
          message: 'Attach the document in a field named "file".',
          errors: [{ path: 'file', message: 'Required' }],
        });
      const folderId = fields.folderId?.trim() || null;
      if (folderId && !z.uuid().safeParse(folderId).success) {
        throw new AppError('VALIDATION_FAILED', {
          message: 'folderId must be a folder id.',
          errors: [{ path: 'folderId', message: 'Invalid UUID' }],
        });
      }
      let documentTags: string[];
      try {
        documentTags = parseTags(fields.tags);
      } catch {
        throw new AppError('VALIDATION_FAILED', {
          message: 'tags must be comma-separated or a JSON array.',
          errors: [{ path: 'tags', message: 'Invalid tags' }],
        });
      }
      const result = await services.knowledge.upload(staffContext(request), {
        ...file,
        folderId,
        tags: documentTags,
      });
      return reply.code(202).send(result);
    },
  );

  app.get(
    '/knowledge/documents',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Documents, newest first',
        security,
        querystring: ZDocumentListQuery,
        response: { 200: ZDocumentListResponse, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.knowledge.list(staffContext(request), request.query),
  );

  app.get(
    '/knowledge/documents/:id',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'A document with its processing status',
        security,
        params: ZDocumentParams,
        response: { 200: ZKnowledgeDocument, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => services.knowledge.get(staffContext(request), request.params.id),
  );

  app.patch(
    '/knowledge/documents/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Rename, move or tag a document',
        security,
        params: ZDocumentParams,
        body: ZUpdateDocumentRequest,
        response: { 200: ZKnowledgeDocument, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.knowledge.update(staffContext(request), request.params.id, request.body),
  );

  app.delete(
    '/knowledge/documents/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Delete a document; its chunks leave the index',
        security,
        params: ZDocumentParams,
        response: { 204: z.null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await services.knowledge.delete(staffContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/knowledge/documents/:id/reindex',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Process the document again',
        security,
        params: ZDocumentParams,
        response: { 202: ZUploadDocumentResponse, ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await services.knowledge.reindex(staffContext(request), request.params.id)),
  );

  app.get(
    '/knowledge/events',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Server-sent events: ingestion status and progress of documents',
        security,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let isClosed = false;
      openStreams.add(reply.raw);
      request.raw.on('close', () => {
        isClosed = true;
        openStreams.delete(reply.raw);
      });
      // Subscribe before saying "connected", so a client that starts an upload on that signal misses nothing.
      const unsubscribe = await services.knowledge.subscribe(staffContext(request), (message) =>
        reply.raw.write(`event: document\ndata: ${message}\n\n`),
      );
      if (isClosed) {
        await unsubscribe();
        return;
      }
      reply.raw.write(': connected\n\n');
      const heartbeat = setInterval(() => reply.raw.write(': ping\n\n'), 15_000);
      request.raw.on('close', () => {
        clearInterval(heartbeat);
        void unsubscribe();
      });
    },
  );

  app.get(
    '/knowledge/search',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Hybrid search of the knowledge base (what the coach would cite)',
        security,
        querystring: ZKnowledgeSearchQuery,
        response: { 200: ZKnowledgeSearchResponse, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.knowledge.search(staffContext(request), request.query),
  );

  app.get(
    '/knowledge/folders',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Folders',
        security,
        response: { 200: ZFolderListResponse, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.folders.list(staffContext(request)),
  );
  app.post(
    '/knowledge/folders',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Create a folder',
        security,
        body: ZCreateFolderRequest,
        response: { 201: ZFolder, ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.folders.create(staffContext(request), request.body)),
  );
  app.patch(
    '/knowledge/folders/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Rename or move a folder',
        security,
        params: ZDocumentParams,
        body: ZUpdateFolderRequest,
        response: { 200: ZFolder, ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) => services.folders.update(staffContext(request), request.params.id, request.body),
  );
  app.delete(
    '/knowledge/folders/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Delete a folder (its documents stay, unfiled)',
        security,
        params: ZDocumentParams,
        response: { 204: z.null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await services.folders.delete(staffContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/knowledge/unanswered',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Questions the coach could not answer from the knowledge base',
        security,
        querystring: ZUnansweredListQuery,
        response: { 200: ZUnansweredListResponse, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.unanswered.list(staffContext(request), request.query.status),
  );
  app.post(
    '/knowledge/unanswered/:id/answer',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Write the answer; it becomes knowledge',
        security,
        params: ZDocumentParams,
        body: ZAnswerQuestionRequest,
        response: { 200: ZUnansweredQuestion, ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) =>
      services.unanswered.answer(staffContext(request), request.params.id, request.body.answer),
  );
  app.post(
    '/knowledge/unanswered/:id/dismiss',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Dismiss an unanswered question',
        security,
        params: ZDocumentParams,
        response: { 200: ZUnansweredQuestion, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => services.unanswered.dismiss(staffContext(request), request.params.id),
  );
};
