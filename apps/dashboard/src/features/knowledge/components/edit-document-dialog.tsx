import { type FormEvent, useEffect, useId, useState } from 'react';
import { fieldErrorsOf } from '../../../api/api-error';
import { Dialog } from '../../../ui/dialog';
import { SelectField, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { type TFolder, type TKnowledgeDocument, useUpdateDocument } from '../knowledge.api';

const sameTags = (a: string[], b: string[]) =>
  a.length === b.length && a.every((tag, index) => tag === b[index]);

/** Title, folder and tags of one document; only what changed is sent. */
export const EditDocumentDialog = ({
  document,
  folders,
  onClose,
}: {
  document: TKnowledgeDocument | null;
  folders: TFolder[];
  onClose: () => void;
}) => {
  const id = useId();
  const [title, setTitle] = useState('');
  const [folderId, setFolderId] = useState('');
  const [tags, setTags] = useState<string[]>([]);
  const [tagInput, setTagInput] = useState('');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const update = useUpdateDocument();
  const notify = useToast();

  // biome-ignore lint/correctness/useExhaustiveDependencies: start from the document each time the dialog opens
  useEffect(() => {
    if (!document) return;
    setTitle(document.title);
    setFolderId(document.folderId ?? '');
    setTags(document.tags);
    setTagInput('');
    setProblems({});
    update.reset();
  }, [document]);

  const addTag = () => {
    const value = tagInput.trim();
    if (!value) return;
    if (value.length > 40) {
      setProblems({ ...problems, tags: 'A tag has at most 40 characters.' });
      return;
    }
    if (tags.length >= 30) {
      setProblems({ ...problems, tags: 'A document has at most 30 tags.' });
      return;
    }
    if (!tags.includes(value)) setTags([...tags, value]);
    setTagInput('');
    setProblems({ ...problems, tags: '' });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!document) return;
    if (!title.trim()) {
      setProblems({ title: 'Give the document a title; answers cite it by this name.' });
      return;
    }
    // A tag typed but not added yet is what the person meant to save.
    const pending = tagInput.trim();
    const finalTags = pending && !tags.includes(pending) && pending.length <= 40 ? [...tags, pending] : tags;
    const changes = {
      ...(title.trim() !== document.title ? { title: title.trim() } : {}),
      ...(folderId !== (document.folderId ?? '') ? { folderId: folderId || null } : {}),
      ...(!sameTags(finalTags, document.tags) ? { tags: finalTags } : {}),
    };
    if (Object.keys(changes).length === 0) {
      onClose();
      return;
    }
    update.mutate(
      { id: document.id, ...changes },
      {
        onSuccess: (saved) => {
          notify(`“${saved.title}” saved.`);
          onClose();
        },
      },
    );
  };
  const serverErrors = fieldErrorsOf(update.error);

  return (
    <Dialog
      isOpen={document !== null}
      onClose={onClose}
      title={document ? `Edit “${document.title}”` : 'Edit document'}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button button--primary"
            disabled={update.isPending}
          >
            {update.isPending ? <Spinner /> : null}
            Save
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="form" onSubmit={onSubmit} noValidate>
        <TextField
          label="Title"
          name="title"
          maxLength={200}
          value={title}
          hint="Answers cite the document by this title."
          onChange={(event) => setTitle(event.target.value)}
          error={problems.title || serverErrors.title}
        />
        <SelectField
          label="Folder"
          name="folderId"
          value={folderId}
          onChange={(event) => setFolderId(event.target.value)}
          error={serverErrors.folderId}
        >
          <option value="">No folder</option>
          {folders.map((folder) => (
            <option key={folder.id} value={folder.id}>
              {folder.name}
            </option>
          ))}
        </SelectField>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-tag`}>
            Tags
          </label>
          {tags.length > 0 ? (
            <ul className="chips chips--editable" aria-label="Tags of this document">
              {tags.map((tag) => (
                <li key={tag} className="chip">
                  {tag}
                  <button
                    type="button"
                    className="chip__remove"
                    aria-label={`Remove tag ${tag}`}
                    onClick={() => setTags(tags.filter((existing) => existing !== tag))}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <div className="inline-form">
            <input
              id={`${id}-tag`}
              className="input"
              placeholder="Add a tag and press Enter"
              value={tagInput}
              aria-invalid={problems.tags || serverErrors.tags ? true : undefined}
              aria-describedby={`${id}-tag-hint`}
              onChange={(event) => setTagInput(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ',') {
                  event.preventDefault();
                  addTag();
                }
              }}
            />
            <button type="button" className="button" onClick={addTag} disabled={!tagInput.trim()}>
              Add
            </button>
          </div>
          <p className="field__hint" id={`${id}-tag-hint`}>
            Tags are for you: filter the list by them. The coach searches every document either way.
          </p>
          {problems.tags || serverErrors.tags ? (
            <p className="field__error">{problems.tags || serverErrors.tags?.join(' ')}</p>
          ) : null}
        </div>
        {update.error && Object.keys(serverErrors).length === 0 ? <FormError error={update.error} /> : null}
      </form>
    </Dialog>
  );
};
