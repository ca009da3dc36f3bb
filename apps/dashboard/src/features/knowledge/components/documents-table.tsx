import { formatDate } from '../../../lib/date-format';
import { Icon } from '../../../ui/icons';
import { formatBytes, type TFolder, type TKnowledgeDocument } from '../knowledge.api';
import { DocumentStatus } from './document-status';

type Props = {
  documents: TKnowledgeDocument[];
  folders: TFolder[];
  canEdit: boolean;
  disabledHint: string;
  retryingId: string | null;
  onRetry: (document: TKnowledgeDocument) => void;
  onEdit: (document: TKnowledgeDocument) => void;
  onDelete: (document: TKnowledgeDocument) => void;
};

const fileFacts = (document: TKnowledgeDocument) =>
  [
    document.fileName,
    formatBytes(document.bytes),
    document.pageCount ? `${document.pageCount} page${document.pageCount === 1 ? '' : 's'}` : null,
    `added ${formatDate(document.createdAt)}`,
  ]
    .filter(Boolean)
    .join(' · ');

export const DocumentsTable = ({
  documents,
  folders,
  canEdit,
  disabledHint,
  retryingId,
  onRetry,
  onEdit,
  onDelete,
}: Props) => {
  const folderName = new Map(folders.map((folder) => [folder.id, folder.name]));
  return (
    <div className="table-scroll">
      <table className="table table--members table--documents">
        <caption className="visually-hidden">Knowledge documents, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Document</th>
            <th scope="col">Status</th>
            <th scope="col">Folder and tags</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {documents.map((document) => (
            <tr key={document.id}>
              <th scope="row" className="table__primary">
                <span className="table__line">
                  {document.title}
                  {document.source === 'answer' ? (
                    <span
                      className="badge badge--muted"
                      title="Written as the answer to an unanswered question"
                    >
                      Your answer
                    </span>
                  ) : null}
                </span>
                <span className="table__sub">{fileFacts(document)}</span>
              </th>
              <td className="table__status">
                <DocumentStatus
                  name={document.title}
                  status={document.status}
                  progress={document.progress}
                  chunkCount={document.chunkCount}
                  error={document.error}
                  canRetry={canEdit}
                  isRetrying={retryingId === document.id}
                  onRetry={() => onRetry(document)}
                />
              </td>
              <td>
                {document.folderId || document.tags.length > 0 ? (
                  <ul className="chips">
                    {document.folderId ? (
                      <li className="chip chip--folder">
                        <Icon name="folder" size={14} />
                        <span className="visually-hidden">Folder: </span>
                        {folderName.get(document.folderId) ?? 'Unknown folder'}
                      </li>
                    ) : null}
                    {document.tags.map((tag) => (
                      <li key={tag} className="chip">
                        {tag}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="table__actions">
                <button
                  type="button"
                  className="button button--compact"
                  aria-label={`Edit ${document.title}`}
                  title={canEdit ? 'Title, folder and tags' : disabledHint}
                  disabled={!canEdit}
                  onClick={() => onEdit(document)}
                >
                  <Icon name="edit" size={16} /> Edit
                </button>
                <button
                  type="button"
                  className="button button--compact button--danger-outline"
                  aria-label={`Delete ${document.title}`}
                  title={canEdit ? undefined : disabledHint}
                  disabled={!canEdit}
                  onClick={() => onDelete(document)}
                >
                  <Icon name="trash" size={16} />
                  <span className="visually-hidden">Delete</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};
