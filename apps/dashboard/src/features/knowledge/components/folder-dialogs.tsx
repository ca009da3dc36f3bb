import { type FormEvent, useEffect, useId, useState } from 'react';
import { errorMessage, fieldErrorsOf } from '../../../api/api-error';
import { Dialog } from '../../../ui/dialog';
import { TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { type TFolder, useDeleteFolder, useSaveFolder } from '../knowledge.api';

/** Creates a folder (no `folder`) or renames one. */
export const FolderNameDialog = ({
  isOpen,
  folder,
  onClose,
  onSaved,
}: {
  isOpen: boolean;
  folder: TFolder | null;
  onClose: () => void;
  onSaved?: (folder: TFolder) => void;
}) => {
  const id = useId();
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const save = useSaveFolder();
  const notify = useToast();
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the dialog opens, not on every render
  useEffect(() => {
    if (!isOpen) return;
    setName(folder?.name ?? '');
    setProblem(null);
    save.reset();
  }, [isOpen, folder]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setProblem('Give the folder a name.');
      return;
    }
    if (folder && trimmed === folder.name) {
      onClose();
      return;
    }
    save.mutate(
      { id: folder?.id, name: trimmed },
      {
        onSuccess: (saved) => {
          notify(folder ? `Folder renamed to “${saved.name}”.` : `Folder “${saved.name}” created.`);
          onSaved?.(saved);
          onClose();
        },
      },
    );
  };
  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title={folder ? `Rename “${folder.name}”` : 'New folder'}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button button--primary"
            disabled={save.isPending}
          >
            {save.isPending ? <Spinner /> : null}
            {folder ? 'Rename' : 'Create folder'}
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="form" onSubmit={onSubmit} noValidate>
        <TextField
          label="Folder name"
          name="name"
          maxLength={120}
          value={name}
          autoFocus
          onChange={(event) => setName(event.target.value)}
          error={problem ?? fieldErrorsOf(save.error).name}
        />
        {save.error && !fieldErrorsOf(save.error).name ? <FormError error={save.error} /> : null}
      </form>
    </Dialog>
  );
};

export const DeleteFolderDialog = ({
  folder,
  onClose,
  onDeleted,
}: {
  folder: TFolder | null;
  onClose: () => void;
  onDeleted: (folder: TFolder) => void;
}) => {
  const remove = useDeleteFolder();
  const notify = useToast();
  const count = folder?.documentCount ?? 0;
  return (
    <Dialog
      isOpen={Boolean(folder)}
      onClose={onClose}
      tone="danger"
      title={folder ? `Delete the folder “${folder.name}”?` : 'Delete the folder?'}
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
              folder &&
              remove.mutate(folder.id, {
                onSuccess: () => {
                  notify(`Folder “${folder.name}” deleted.`);
                  onDeleted(folder);
                  onClose();
                },
                onError: (error) => notify(errorMessage(error), 'error'),
              })
            }
          >
            {remove.isPending ? <Spinner /> : null}
            Delete folder
          </button>
        </>
      }
    >
      <p>
        {count > 0
          ? `Its ${count} document${count === 1 ? '' : 's'} stay${count === 1 ? 's' : ''} in your knowledge, outside any folder. The coach keeps using ${count === 1 ? 'it' : 'them'}.`
          : 'It is empty; no document is affected.'}
      </p>
    </Dialog>
  );
};
