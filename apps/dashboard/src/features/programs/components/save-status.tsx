import type { AutosaveStatus } from '../draft-autosave';

const statusText = (status: AutosaveStatus): string => {
  switch (status.kind) {
    case 'saved':
      return 'Saved';
    case 'unsaved':
      return 'Unsaved changes';
    case 'saving':
      return 'Saving…';
    case 'invalid':
      return status.message;
    case 'conflict':
      return 'Conflict — reload';
    case 'error':
      return `Not saved: ${status.message} Retrying…`;
  }
};

/**
 * Where the draft stands, announced politely as it changes. A conflict (someone saved this program in another
 * tab or session) offers both ways out; nothing is sent until one is chosen, so no edit is lost meanwhile.
 */
export const SaveStatus = ({
  status,
  isResolving,
  onReload,
  onKeepMine,
}: {
  status: AutosaveStatus;
  isResolving: boolean;
  onReload: () => void;
  onKeepMine: () => void;
}) => (
  <div className={`save-status save-status--${status.kind}`}>
    <span role="status" aria-live="polite" className="save-status__text" data-testid="save-status">
      {status.kind === 'saving' ? <span className="spinner" aria-hidden="true" /> : null}
      {statusText(status)}
    </span>
    {status.kind === 'conflict' ? (
      <span className="save-status__actions">
        <button
          type="button"
          className="button button--compact button--primary"
          onClick={onReload}
          disabled={isResolving}
          title="Show the version saved elsewhere; Undo brings yours back"
        >
          Reload
        </button>
        <button type="button" className="button button--compact" onClick={onKeepMine} disabled={isResolving}>
          Keep mine
        </button>
      </span>
    ) : null}
  </div>
);
