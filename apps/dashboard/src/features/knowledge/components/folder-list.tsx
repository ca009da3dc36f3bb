import { useId, useState } from 'react';
import { Icon } from '../../../ui/icons';
import { Spinner } from '../../../ui/states';
import { type TFolder, useFolders } from '../knowledge.api';
import { DeleteFolderDialog, FolderNameDialog } from './folder-dialogs';

/** Folders as a filter of the list ("All documents" or one folder), with create, rename and delete. */
export const FolderList = ({
  selectedId,
  onSelect,
  canEdit,
  disabledHint,
}: {
  selectedId: string;
  onSelect: (folderId: string) => void;
  canEdit: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const folders = useFolders();
  const [editing, setEditing] = useState<{ folder: TFolder | null } | null>(null);
  const [deleting, setDeleting] = useState<TFolder | null>(null);

  return (
    <nav className="card folder-list" aria-labelledby={`${id}-title`}>
      <header className="card__header">
        <h2 className="card__subtitle" id={`${id}-title`}>
          Folders
        </h2>
        <button
          type="button"
          className="button button--ghost button--compact"
          disabled={!canEdit}
          title={canEdit ? undefined : disabledHint}
          onClick={() => setEditing({ folder: null })}
        >
          + New folder
        </button>
      </header>
      <ul className="folder-list__items">
        <li>
          <button
            type="button"
            className="folder-list__link"
            aria-current={selectedId === '' ? 'true' : undefined}
            onClick={() => onSelect('')}
          >
            <Icon name="docs" />
            <span className="folder-list__name">All documents</span>
          </button>
        </li>
        {folders.isPending ? (
          <li className="folder-list__note">
            <Spinner /> Loading folders…
          </li>
        ) : null}
        {folders.isError ? (
          <li className="folder-list__note" role="alert">
            Folders could not be loaded.{' '}
            <button
              type="button"
              className="button button--ghost button--compact"
              onClick={() => folders.refetch()}
            >
              Try again
            </button>
          </li>
        ) : null}
        {folders.data?.map((folder) => (
          <li key={folder.id} className="folder-list__row">
            <button
              type="button"
              className="folder-list__link"
              aria-current={selectedId === folder.id ? 'true' : undefined}
              onClick={() => onSelect(folder.id)}
            >
              <Icon name="folder" />
              <span className="folder-list__name">{folder.name}</span>{' '}
              <span className="folder-list__count">
                {folder.documentCount}{' '}
                <span className="visually-hidden">document{folder.documentCount === 1 ? '' : 's'}</span>
              </span>
            </button>
            {canEdit ? (
              <span className="folder-list__actions">
                <button
                  type="button"
                  className="icon-button icon-button--small"
                  aria-label={`Rename folder ${folder.name}`}
                  title="Rename"
                  onClick={() => setEditing({ folder })}
                >
                  <Icon name="edit" size={16} />
                </button>
                <button
                  type="button"
                  className="icon-button icon-button--small"
                  aria-label={`Delete folder ${folder.name}`}
                  title="Delete"
                  onClick={() => setDeleting(folder)}
                >
                  <Icon name="trash" size={16} />
                </button>
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {folders.data?.length === 0 ? (
        <p className="folder-list__note">Folders group documents, for you; the coach searches all of them.</p>
      ) : null}
      <FolderNameDialog
        isOpen={editing !== null}
        folder={editing?.folder ?? null}
        onClose={() => setEditing(null)}
        onSaved={(folder) => {
          if (!editing?.folder) onSelect(folder.id);
        }}
      />
      <DeleteFolderDialog
        folder={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(folder) => {
          if (selectedId === folder.id) onSelect('');
        }}
      />
    </nav>
  );
};
