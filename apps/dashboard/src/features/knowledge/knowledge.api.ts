import {
  documentStatuses,
  type TKnowledgeDocument,
  type TKnowledgeEvent,
  ZDocumentListResponse,
  ZFolder,
  ZFolderListResponse,
  ZKnowledgeDocument,
  ZKnowledgeSearchResponse,
  ZUnansweredListResponse,
  ZUnansweredQuestion,
  ZUploadDocumentResponse,
} from '@companero/contracts/creator-hub/knowledge';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { z } from 'zod';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { type UploadProgress, uploadWithProgress } from '../../api/upload-with-progress';
import { useCreatorScope } from '../auth/session';

export type { TKnowledgeDocument, TKnowledgeEvent };
export type TFolder = z.infer<typeof ZFolder>;
export type TSearchResult = z.infer<typeof ZKnowledgeSearchResponse>['results'][number];
export type TUnansweredQuestion = z.infer<typeof ZUnansweredQuestion>;
export type TDocumentStatus = (typeof documentStatuses)[number];
export type UnansweredStatus = TUnansweredQuestion['status'];
export { documentStatuses };

export const statusLabels: Record<TDocumentStatus, string> = {
  queued: 'Queued',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

/** What the upload accepts; the server decides by the file's content, this only guides the file picker. */
export const acceptedFileTypes =
  '.pdf,.docx,.md,.markdown,.html,.htm,.txt,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/markdown,text/html,text/plain';

export const acceptedKindsText = 'PDF, Word (.docx), Markdown, HTML or plain text';

export type DocumentListFilters = {
  folderId: string;
  status: TDocumentStatus | '';
  q: string;
  tag: string;
  limit: number;
};

const knowledgeKey = (scope: readonly unknown[]) => [...scope, 'knowledge'] as const;

const isBusy = (document: TKnowledgeDocument) =>
  document.status === 'queued' || document.status === 'processing';

/** While the live stream is down, documents still being processed are polled until they settle. */
const pollWhileOffline = 4000;

export const useDocumentList = (
  filters: DocumentListFilters,
  cursor: string | null,
  options: { isLive: boolean },
) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...knowledgeKey(scope), 'documents', 'list', filters, cursor],
    queryFn: ({ signal }) =>
      api.get('/api/hub/knowledge/documents', {
        schema: ZDocumentListResponse,
        signal,
        query: {
          folderId: filters.folderId || undefined,
          status: filters.status || undefined,
          q: filters.q.trim() || undefined,
          tag: filters.tag.trim() || undefined,
          limit: filters.limit,
          cursor: cursor ?? undefined,
        },
      }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      !options.isLive && query.state.data?.items.some(isBusy) ? pollWhileOffline : false,
  });
};

export const useDocument = (documentId: string | null, options: { isLive: boolean }) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...knowledgeKey(scope), 'documents', 'detail', documentId],
    queryFn: ({ signal }) =>
      api.get(`/api/hub/knowledge/documents/${encodeURIComponent(documentId ?? '')}`, {
        schema: ZKnowledgeDocument,
        signal,
      }),
    enabled: Boolean(documentId),
    refetchInterval: (query) =>
      !options.isLive && (!query.state.data || isBusy(query.state.data)) ? pollWhileOffline : false,
  });
};

/** Every cached view of the documents (lists, details) and the folder counts, after something changed them. */
export const useInvalidateDocuments = () => {
  const [, creatorId] = useCreatorScope();
  const queryClient = useQueryClient();
  return useCallback(() => {
    const scope = ['creator', creatorId, 'knowledge'];
    void queryClient.invalidateQueries({ queryKey: [...scope, 'documents'] });
    void queryClient.invalidateQueries({ queryKey: [...scope, 'folders'] });
  }, [queryClient, creatorId]);
};

export const useUploadDocument = () => {
  const api = useApi();
  return useCallback(
    (input: {
      file: File;
      folderId?: string | null;
      onProgress: (progress: UploadProgress) => void;
      signal?: AbortSignal;
    }) => {
      const form = new FormData();
      if (input.folderId) form.append('folderId', input.folderId);
      // Fields before the file, so the server has them before the (possibly large) file part.
      form.append('file', input.file, input.file.name);
      return uploadWithProgress(api, '/api/hub/knowledge/documents', {
        form,
        schema: ZUploadDocumentResponse,
        onProgress: input.onProgress,
        signal: input.signal,
      });
    },
    [api],
  );
};

export type UpdateDocumentInput = { title?: string; folderId?: string | null; tags?: string[] };

export const useUpdateDocument = () => {
  const api = useApi();
  const invalidate = useInvalidateDocuments();
  return useMutation({
    mutationFn: ({ id, ...input }: UpdateDocumentInput & { id: string }) =>
      api.patch(`/api/hub/knowledge/documents/${encodeURIComponent(id)}`, input, {
        schema: ZKnowledgeDocument,
      }),
    onSuccess: invalidate,
  });
};

export const useDeleteDocument = () => {
  const api = useApi();
  const invalidate = useInvalidateDocuments();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/api/hub/knowledge/documents/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
};

export const useReindexDocument = () => {
  const api = useApi();
  const invalidate = useInvalidateDocuments();
  return useMutation({
    mutationFn: (id: string) =>
      api.post(`/api/hub/knowledge/documents/${encodeURIComponent(id)}/reindex`, undefined, {
        schema: ZUploadDocumentResponse,
      }),
    onSuccess: invalidate,
  });
};

export const useFolders = () => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...knowledgeKey(scope), 'folders'],
    queryFn: ({ signal }) => api.get('/api/hub/knowledge/folders', { schema: ZFolderListResponse, signal }),
    select: (data) => [...data.items].sort((a, b) => a.name.localeCompare(b.name)),
  });
};

export const useSaveFolder = () => {
  const api = useApi();
  const invalidate = useInvalidateDocuments();
  return useMutation({
    mutationFn: ({ id, name }: { id?: string; name: string }) =>
      id
        ? api.patch(`/api/hub/knowledge/folders/${encodeURIComponent(id)}`, { name }, { schema: ZFolder })
        : api.post('/api/hub/knowledge/folders', { name }, { schema: ZFolder }),
    onSuccess: invalidate,
  });
};

export const useDeleteFolder = () => {
  const api = useApi();
  const invalidate = useInvalidateDocuments();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/api/hub/knowledge/folders/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
  });
};

export const useKnowledgeSearch = (q: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...knowledgeKey(scope), 'search', q],
    queryFn: ({ signal }) =>
      api.get('/api/hub/knowledge/search', { schema: ZKnowledgeSearchResponse, signal, query: { q, k: 8 } }),
    enabled: q.trim().length > 0,
    staleTime: 0,
  });
};

export const useUnansweredQuestions = (status: UnansweredStatus) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...knowledgeKey(scope), 'unanswered', status],
    queryFn: ({ signal }) =>
      api.get('/api/hub/knowledge/unanswered', {
        schema: ZUnansweredListResponse,
        signal,
        query: { status },
      }),
    // Members add to it at any moment (and so does the playground): fetch again whenever the list is shown.
    staleTime: 0,
  });
};

/**
 * Replaces the question in the list it was shown in (so it stays in view, now answered or dismissed) and
 * refreshes the list it moved to.
 */
const useSettleQuestion = () => {
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return (question: TUnansweredQuestion) => {
    queryClient.setQueriesData<z.infer<typeof ZUnansweredListResponse>>(
      { queryKey: [...knowledgeKey(scope), 'unanswered'] },
      (list) =>
        list && {
          items: list.items.map((item) => (item.id === question.id ? question : item)),
        },
    );
    void queryClient.invalidateQueries({
      queryKey: [...knowledgeKey(scope), 'unanswered', question.status],
    });
  };
};

export const useAnswerQuestion = () => {
  const api = useApi();
  const settle = useSettleQuestion();
  const invalidateDocuments = useInvalidateDocuments();
  return useMutation({
    mutationFn: ({ id, answer }: { id: string; answer: string }) =>
      api.post(
        `/api/hub/knowledge/unanswered/${encodeURIComponent(id)}/answer`,
        { answer },
        { schema: ZUnansweredQuestion },
      ),
    onSuccess: (question) => {
      settle(question);
      invalidateDocuments();
    },
  });
};

export const useDismissQuestion = () => {
  const api = useApi();
  const settle = useSettleQuestion();
  return useMutation({
    mutationFn: (id: string) =>
      api.post(`/api/hub/knowledge/unanswered/${encodeURIComponent(id)}/dismiss`, undefined, {
        schema: ZUnansweredQuestion,
      }),
    onSuccess: settle,
  });
};

/** A document as the latest live event describes it (status and progress move faster than the list). */
export const withLiveStatus = (
  document: TKnowledgeDocument,
  event: TKnowledgeEvent | undefined,
): TKnowledgeDocument =>
  event
    ? {
        ...document,
        status: event.status,
        progress: event.progress,
        chunkCount: event.chunkCount ?? document.chunkCount,
        error: event.status === 'failed' ? (event.error ?? document.error) : null,
      }
    : document;

const conflictTitle = /as "([^"]+)"/;

/**
 * Why an upload was refused, in words about the file (the server's 409 names the document by id, which means
 * nothing to a person).
 */
export const uploadErrorMessage = (error: unknown): string => {
  if (error instanceof ApiError) {
    if (error.status === 409) {
      const title = conflictTitle.exec(error.message)?.[1];
      return title
        ? `Already in your knowledge as “${title}”. The same file was uploaded before.`
        : 'Already in your knowledge: the same file was uploaded before.';
    }
    if (error.status === 413)
      return 'Too large to upload. Split it into smaller files, or save it again without large images.';
    if (error.status === 415) return `This kind of file cannot be read. Upload ${acceptedKindsText} files.`;
    return error.message;
  }
  return error instanceof Error && error.message ? error.message : 'The upload failed. Try again.';
};

/** "1.4 MB", "820 KB", "312 bytes". */
export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
};

/**
 * "Why sleep matters › Naps", or null when the passage sits under no heading. A first heading that only repeats
 * the document's title is left out: the title is shown next to it anyway.
 */
export const headingTrail = (headingPath: string[], title?: string): string | null => {
  const trail =
    title && headingPath[0]?.trim().toLowerCase() === title.trim().toLowerCase()
      ? headingPath.slice(1)
      : headingPath;
  return trail.length > 0 ? trail.join(' › ') : null;
};
