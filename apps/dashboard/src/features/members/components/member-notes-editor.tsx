import { useEffect, useId, useState } from 'react';
import { errorMessage, fieldErrorsOf } from '../../../api/api-error';
import { Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useUpdateMember } from '../members.api';

const maxLength = 10_000;

/** Private notes about the member, for the team only; members never see them. */
export const MemberNotesEditor = ({
  memberId,
  notes,
  canEdit,
  disabledHint,
}: {
  memberId: string;
  notes: string | null;
  canEdit: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const [draft, setDraft] = useState(notes ?? '');
  const update = useUpdateMember(memberId);
  const notify = useToast();
  useEffect(() => setDraft(notes ?? ''), [notes]);
  const isDirty = draft !== (notes ?? '');
  const serverError = fieldErrorsOf(update.error).notes;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 className="card__title" id={`${id}-title`}>
        Notes
      </h2>
      <label htmlFor={`${id}-notes`} className="visually-hidden">
        Notes about this member
      </label>
      <textarea
        id={`${id}-notes`}
        className="input textarea"
        rows={5}
        maxLength={maxLength}
        placeholder={
          canEdit ? 'Goals, context, anything the team should know. Only your team sees this.' : ''
        }
        value={draft}
        readOnly={!canEdit}
        aria-describedby={`${id}-hint`}
        onChange={(event) => setDraft(event.target.value)}
      />
      <p className="field__hint" id={`${id}-hint`}>
        {canEdit
          ? `Only your team sees notes. ${draft.length.toLocaleString()} / ${maxLength.toLocaleString()}`
          : disabledHint}
      </p>
      {serverError ? <p className="field__error">{serverError.join(' ')}</p> : null}
      <div className="card__actions">
        {isDirty ? (
          <button type="button" className="button button--ghost" onClick={() => setDraft(notes ?? '')}>
            Undo changes
          </button>
        ) : null}
        <button
          type="button"
          className="button button--primary"
          disabled={!canEdit || !isDirty || update.isPending}
          onClick={() =>
            update.mutate(
              { notes: draft.trim() ? draft : null },
              {
                onSuccess: () => notify('Notes saved.'),
                onError: (error) => notify(errorMessage(error), 'error'),
              },
            )
          }
        >
          {update.isPending ? <Spinner /> : null}
          Save notes
        </button>
      </div>
    </section>
  );
};
