import { useEffect, useId, useState } from 'react';
import { errorMessage, fieldErrorsOf } from '../../../api/api-error';
import { Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useUpdateMember } from '../members.api';

const sameTags = (a: string[], b: string[]) =>
  a.length === b.length && a.every((tag, index) => tag === b[index]);

/** Tags as removable chips plus an input; nothing is saved until "Save tags". */
export const MemberTagsEditor = ({
  memberId,
  tags,
  canEdit,
  disabledHint,
}: {
  memberId: string;
  tags: string[];
  canEdit: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const [draft, setDraft] = useState(tags);
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const update = useUpdateMember(memberId);
  const notify = useToast();
  useEffect(() => setDraft(tags), [tags]);

  const add = () => {
    const value = input.trim();
    if (!value) return;
    if (value.length > 40) {
      setInputError('A tag has at most 40 characters.');
      return;
    }
    if (!draft.includes(value)) setDraft([...draft, value]);
    setInput('');
    setInputError(null);
  };
  const isDirty = !sameTags(draft, tags);
  const serverError = fieldErrorsOf(update.error).tags;

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Tags
      </h2>
      {draft.length > 0 ? (
        <ul className="chips chips--editable" aria-label="Current tags">
          {draft.map((tag) => (
            <li key={tag} className="chip">
              {tag}
              {canEdit ? (
                <button
                  type="button"
                  className="chip__remove"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => setDraft(draft.filter((existing) => existing !== tag))}
                >
                  ×
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No tags yet. Tags group members for filters, bulk messages and programs.</p>
      )}
      <div className="inline-form">
        <label htmlFor={`${id}-input`} className="visually-hidden">
          New tag
        </label>
        <input
          id={`${id}-input`}
          className="input"
          placeholder="Add a tag and press Enter"
          value={input}
          disabled={!canEdit}
          aria-invalid={inputError ? true : undefined}
          aria-describedby={inputError ? `${id}-error` : !canEdit ? `${id}-hint` : undefined}
          onChange={(event) => setInput(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' || event.key === ',') {
              event.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="button" onClick={add} disabled={!canEdit || !input.trim()}>
          Add
        </button>
      </div>
      {inputError || serverError ? (
        <p className="field__error" id={`${id}-error`}>
          {inputError ?? serverError?.join(' ')}
        </p>
      ) : null}
      {!canEdit ? (
        <p className="field__hint" id={`${id}-hint`}>
          {disabledHint}
        </p>
      ) : null}
      <div className="card__actions">
        {isDirty ? (
          <button type="button" className="button button--ghost" onClick={() => setDraft(tags)}>
            Undo changes
          </button>
        ) : null}
        <button
          type="button"
          className="button button--primary"
          disabled={!canEdit || !isDirty || update.isPending}
          onClick={() =>
            update.mutate(
              { tags: draft },
              {
                onSuccess: () => notify('Tags saved.'),
                onError: (error) => notify(errorMessage(error), 'error'),
              },
            )
          }
        >
          {update.isPending ? <Spinner /> : null}
          Save tags
        </button>
      </div>
    </section>
  );
};
