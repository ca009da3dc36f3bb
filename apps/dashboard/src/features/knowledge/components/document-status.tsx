import { ProgressBar } from '../../../ui/progress-bar';
import { Spinner } from '../../../ui/states';
import { statusLabels, type TDocumentStatus } from '../knowledge.api';

export const StatusBadge = ({ status }: { status: TDocumentStatus }) => (
  <span className={`badge badge--status badge--${status}`}>{statusLabels[status]}</span>
);

/**
 * Where a document is in its processing: a badge, then a progress bar while it is read and indexed, the number
 * of passages once ready, or the reason it failed with a way to try again.
 */
export const DocumentStatus = ({
  name,
  status,
  progress,
  chunkCount,
  error,
  onRetry,
  isRetrying = false,
  canRetry,
}: {
  name: string;
  status: TDocumentStatus;
  progress: number;
  chunkCount: number;
  error: string | null;
  onRetry: () => void;
  isRetrying?: boolean;
  canRetry: boolean;
}) => (
  <div className="document-status">
    <StatusBadge status={status} />
    {status === 'queued' ? (
      <>
        <ProgressBar value={null} label={`Processing ${name}`} valueText="Waiting to start" />
        <span className="document-status__text">Waiting its turn</span>
      </>
    ) : null}
    {status === 'processing' ? (
      <>
        <ProgressBar value={progress} label={`Processing ${name}`} />
        <span className="document-status__text">Reading and indexing · {Math.round(progress * 100)}%</span>
      </>
    ) : null}
    {status === 'ready' ? (
      <span className="document-status__text">
        {chunkCount} passage{chunkCount === 1 ? '' : 's'} searchable
      </span>
    ) : null}
    {status === 'failed' ? (
      <>
        <span className="document-status__error">{error || 'This file could not be read.'}</span>
        <button
          type="button"
          className="button button--compact"
          onClick={onRetry}
          disabled={!canRetry || isRetrying}
          aria-label={`Retry ${name}`}
        >
          {isRetrying ? <Spinner /> : null}
          Retry
        </button>
      </>
    ) : null}
  </div>
);
