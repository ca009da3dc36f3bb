import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { errorMessage } from '../../../api/api-error';
import { CursorPagination } from '../../../ui/cursor-pagination';
import { Dialog } from '../../../ui/dialog';
import { EmptyState, ErrorState, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import { DocumentFilters, isFilteredList } from '../components/document-filters';
import { DocumentsTable } from '../components/documents-table';
import { EditDocumentDialog } from '../components/edit-document-dialog';
import { FolderList } from '../components/folder-list';
import { useKnowledgeLive } from '../components/knowledge-layout';
import { KnowledgeSearch } from '../components/knowledge-search';
import { UploadDropzone } from '../components/upload-dropzone';
import { UploadList } from '../components/upload-list';
import {
  acceptedKindsText,
  type DocumentListFilters,
  documentStatuses,
  type TDocumentStatus,
  type TKnowledgeDocument,
  useDeleteDocument,
  useDocumentList,
  useFolders,
  useReindexDocument,
  withLiveStatus,
} from '../knowledge.api';

const pageSizes = [25, 50, 100, 200];

/** The filters live in the URL, so a filtered list can be bookmarked and restored with Back. */
const readFilters = (params: URLSearchParams): DocumentListFilters => {
  const status = params.get('status') ?? '';
  const limit = Number(params.get('limit') ?? 25);
  return {
    folderId: params.get('folder') ?? '',
    status: (documentStatuses as readonly string[]).includes(status) ? (status as TDocumentStatus) : '',
    q: params.get('q') ?? '',
    tag: params.get('tag') ?? '',
    limit: pageSizes.includes(limit) ? limit : 25,
  };
};

const writeFilters = (filters: DocumentListFilters): URLSearchParams => {
  const params = new URLSearchParams();
  if (filters.folderId) params.set('folder', filters.folderId);
  if (filters.status) params.set('status', filters.status);
  if (filters.q) params.set('q', filters.q);
  if (filters.tag) params.set('tag', filters.tag);
  if (filters.limit !== 25) params.set('limit', String(filters.limit));
  return params;
};

const DeleteDocumentDialog = ({
  document,
  onClose,
}: {
  document: TKnowledgeDocument | null;
  onClose: () => void;
}) => {
  const remove = useDeleteDocument();
  const notify = useToast();
  return (
    <Dialog
      isOpen={document !== null}
      onClose={onClose}
      tone="danger"
      title={document ? `Delete “${document.title}”?` : 'Delete the document?'}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Keep it
          </button>
          <button
            type="button"
            className="button button--danger"
            disabled={remove.isPending}
            onClick={() =>
              document &&
              remove.mutate(document.id, {
                onSuccess: () => {
                  notify(`“${document.title}” deleted.`);
                  onClose();
                },
                onError: (error) => notify(errorMessage(error), 'error'),
              })
            }
          >
            {remove.isPending ? <Spinner /> : null}
            Delete document
          </button>
        </>
      }
    >
      <p>
        The coach stops using it at once: its {document?.chunkCount ?? 0} passage
        {document?.chunkCount === 1 ? '' : 's'} leave the search index. Answers already sent keep their text.
        This cannot be undone; to bring it back, upload the file again.
      </p>
    </Dialog>
  );
};

const DocumentResults = ({
  filters,
  onFiltersChange,
  onClear,
  canEdit,
  disabledHint,
}: {
  filters: DocumentListFilters;
  onFiltersChange: (patch: Partial<DocumentListFilters>) => void;
  onClear: () => void;
  canEdit: boolean;
  disabledHint: string;
}) => {
  // One cursor per page visited, so "Previous" works without backwards cursors; new filters start at page 1.
  const filtersKey = JSON.stringify(filters);
  const [paging, setPaging] = useState({ key: filtersKey, cursors: [null] as (string | null)[] });
  const cursors = paging.key === filtersKey ? paging.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;
  const { events, connection, forget } = useKnowledgeLive();
  const list = useDocumentList(filters, cursor, { isLive: connection === 'open' });
  const folders = useFolders();
  const reindex = useReindexDocument();
  const notify = useToast();
  const [editing, setEditing] = useState<TKnowledgeDocument | null>(null);
  const [deleting, setDeleting] = useState<TKnowledgeDocument | null>(null);

  const documents = useMemo(
    () => (list.data?.items ?? []).map((document) => withLiveStatus(document, events.get(document.id))),
    [list.data, events],
  );

  if (list.isPending) return <LoadingState label="Loading documents…" />;
  if (list.isError)
    return (
      <ErrorState error={list.error} title="Documents could not be loaded" onRetry={() => list.refetch()} />
    );

  if (documents.length === 0 && cursors.length === 1) {
    const isOnlyFolder = Boolean(filters.folderId) && !filters.q && !filters.tag && !filters.status;
    return isFilteredList(filters) ? (
      <EmptyState
        title={isOnlyFolder ? 'This folder is empty' : 'No documents match'}
        icon={isOnlyFolder ? 'folder' : 'search'}
      >
        <p>
          {isOnlyFolder
            ? 'Upload files while it is selected, or move documents into it with Edit.'
            : 'Try a shorter search, another status or tag, or look in all folders.'}
        </p>
        <button type="button" className="button" onClick={onClear}>
          Show all documents
        </button>
      </EmptyState>
    ) : (
      <EmptyState title="Your coach has nothing to go on yet" icon="docs">
        <p>
          Upload what you already give your clients: guides, training plans, meal plans, handouts, FAQs, your
          course notes. {acceptedKindsText} files work.
        </p>
        <p>
          The coach answers only from these documents and cites the page it used; when they do not cover a
          question, it says so and the question waits for you under Unanswered questions.
        </p>
      </EmptyState>
    );
  }
  const retry = (document: TKnowledgeDocument) =>
    reindex.mutate(document.id, {
      onSuccess: () => {
        forget(document.id);
        notify(`Processing “${document.title}” again.`, 'info');
      },
      onError: (error) => notify(errorMessage(error), 'error'),
    });

  return (
    <>
      <div className={list.isPlaceholderData ? 'is-refreshing' : undefined} aria-busy={list.isFetching}>
        <DocumentsTable
          documents={documents}
          folders={folders.data ?? []}
          canEdit={canEdit}
          disabledHint={disabledHint}
          retryingId={reindex.isPending ? (reindex.variables ?? null) : null}
          onRetry={retry}
          onEdit={setEditing}
          onDelete={setDeleting}
        />
      </div>
      <CursorPagination
        page={cursors.length}
        hasPrevious={cursors.length > 1}
        hasNext={Boolean(list.data.nextCursor)}
        isFetching={list.isFetching}
        onPrevious={() => setPaging({ key: filtersKey, cursors: cursors.slice(0, -1) })}
        onNext={() => setPaging({ key: filtersKey, cursors: [...cursors, list.data.nextCursor ?? null] })}
        pageSize={filters.limit}
        onPageSizeChange={(limit) => onFiltersChange({ limit })}
        itemLabel="documents"
      />
      <EditDocumentDialog document={editing} folders={folders.data ?? []} onClose={() => setEditing(null)} />
      <DeleteDocumentDialog document={deleting} onClose={() => setDeleting(null)} />
    </>
  );
};

export const KnowledgePage = () => {
  useDocumentTitle('Knowledge');
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => readFilters(searchParams), [searchParams]);
  const { role } = useClaims();
  const canEdit = useCan('editKnowledge');
  const disabledHint = permissionHint('editKnowledge', role);
  const { uploads, connection } = useKnowledgeLive();
  const folders = useFolders();
  const folderName = folders.data?.find((folder) => folder.id === filters.folderId)?.name ?? null;

  const update = (patch: Partial<DocumentListFilters>) =>
    setSearchParams(writeFilters({ ...filters, ...patch }), { replace: true });
  const clear = () => setSearchParams(new URLSearchParams(), { replace: true });
  const clearKeepingFolder = () =>
    setSearchParams(writeFilters({ ...filters, q: '', tag: '', status: '' }), { replace: true });

  return (
    <div className="knowledge-layout">
      <aside className="knowledge-layout__side">
        <FolderList
          selectedId={filters.folderId}
          onSelect={(folderId) => update({ folderId })}
          canEdit={canEdit}
          disabledHint={disabledHint}
        />
      </aside>
      <div className="knowledge-layout__main">
        {!canEdit ? (
          <p className="notice notice--info">
            You have the {role} role: you can browse and search the knowledge. Adding, changing or deleting
            documents needs an editor.
          </p>
        ) : null}
        <UploadDropzone
          onFiles={(files) => uploads.add(files, filters.folderId || null)}
          folderName={folderName}
          isDisabled={!canEdit}
          disabledHint={disabledHint}
        />
        <UploadList canEdit={canEdit} />
        {connection === 'reconnecting' ? (
          <p className="notice notice--warning" role="status">
            Live progress is interrupted; reconnecting. The list still refreshes every few seconds.
          </p>
        ) : null}
        <DocumentFilters filters={filters} onChange={update} onClear={clearKeepingFolder} />
        <DocumentResults
          filters={filters}
          onFiltersChange={update}
          onClear={clear}
          canEdit={canEdit}
          disabledHint={disabledHint}
        />
        <KnowledgeSearch />
      </div>
    </div>
  );
};
