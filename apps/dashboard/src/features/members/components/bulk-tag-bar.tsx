import { useId, useState } from 'react';
import { errorMessage } from '../../../api/api-error';
import { useToast } from '../../../ui/toaster';
import { useBulkTag } from '../members.api';

/** Appears when rows are selected: add or remove one tag on all of them. */
export const BulkTagBar = ({ memberIds, onDone }: { memberIds: string[]; onDone: () => void }) => {
  const id = useId();
  const [tag, setTag] = useState('');
  const bulkTag = useBulkTag();
  const notify = useToast();
  const apply = (mode: 'add' | 'remove') => {
    const value = tag.trim();
    if (!value) return;
    bulkTag.mutate(
      { memberIds, add: mode === 'add' ? [value] : [], remove: mode === 'remove' ? [value] : [] },
      {
        onSuccess: ({ updated }) => {
          notify(
            mode === 'add'
              ? `Tagged ${updated} member${updated === 1 ? '' : 's'} “${value}”.`
              : `Removed “${value}” from ${updated} member${updated === 1 ? '' : 's'}.`,
          );
          setTag('');
          onDone();
        },
        onError: (error) => notify(errorMessage(error), 'error'),
      },
    );
  };
  return (
    <section className="bulk-bar" aria-label="Bulk actions">
      <strong>{memberIds.length} selected</strong>
      <label htmlFor={id} className="visually-hidden">
        Tag to add or remove
      </label>
      <input
        id={id}
        className="input input--compact"
        placeholder="Tag"
        maxLength={40}
        value={tag}
        onChange={(event) => setTag(event.target.value)}
      />
      <button
        type="button"
        className="button button--compact"
        disabled={!tag.trim() || bulkTag.isPending}
        onClick={() => apply('add')}
      >
        Add tag
      </button>
      <button
        type="button"
        className="button button--compact"
        disabled={!tag.trim() || bulkTag.isPending}
        onClick={() => apply('remove')}
      >
        Remove tag
      </button>
      <button type="button" className="button button--ghost button--compact" onClick={onDone}>
        Clear selection
      </button>
    </section>
  );
};
