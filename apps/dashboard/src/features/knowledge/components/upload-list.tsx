import { errorMessage } from '../../../api/api-error';
import { ProgressBar } from '../../../ui/progress-bar';
import { useToast } from '../../../ui/toaster';
import { formatBytes, useDocument, useReindexDocument, withLiveStatus } from '../knowledge.api';
import type { UploadItem } from '../use-upload-queue';
import { DocumentStatus } from './document-status';
import { useKnowledgeLive } from './knowledge-layout';

/** After the bytes: the document's own status, from the live stream (or polled while the stream is down). */
const ProcessingStatus = ({
  item,
  canEdit,
}: {
  item: UploadItem & { documentId: string };
  canEdit: boolean;
}) => {
  const { events, connection, forget } = useKnowledgeLive();
  const event = events.get(item.documentId);
  const document = useDocument(item.documentId, { isLive: connection === 'open' });
  const reindex = useReindexDocument();
  const notify = useToast();
  const fallback = {
    status: 'queued' as const,
    progress: 0,
    chunkCount: 0,
    error: null,
  };
  const shown = document.data ? withLiveStatus(document.data, event) : { ...fallback, ...event };
  return (
    <DocumentStatus
      name={item.file.name}
      status={shown.status}
      progress={shown.progress}
      chunkCount={shown.chunkCount ?? 0}
      error={shown.error ?? null}
      canRetry={canEdit}
      isRetrying={reindex.isPending}
      onRetry={() =>
        reindex.mutate(item.documentId, {
          onSuccess: () => forget(item.documentId),
          onError: (error) => notify(errorMessage(error), 'error'),
        })
      }
    />
  );
};

/** The files of this visit: bytes sent, then processing, then ready (or what went wrong, in words). */
export const UploadList = ({ canEdit }: { canEdit: boolean }) => {
  const { uploads } = useKnowledgeLive();
  if (uploads.items.length === 0) return null;
  return (
    <section className="card upload-list" aria-label="Uploads">
      <ul className="upload-list__items">
        {uploads.items.map((item) => {
          const isDone = item.state === 'uploaded' || item.state === 'rejected';
          return (
            <li
              key={item.key}
              className={`upload-item${item.state === 'rejected' ? ' upload-item--rejected' : ''}`}
            >
              <div className="upload-item__head">
                <span className="upload-item__name">{item.file.name}</span>
                <span className="upload-item__size">{formatBytes(item.file.size)}</span>
                <button
                  type="button"
                  className="button button--ghost button--compact upload-item__dismiss"
                  onClick={() => uploads.dismiss(item.key)}
                  aria-label={`${isDone ? 'Hide' : 'Cancel'} ${item.file.name}`}
                >
                  {isDone ? 'Hide' : 'Cancel'}
                </button>
              </div>
              {item.state === 'waiting' ? (
                <div className="document-status">
                  <ProgressBar value={null} label={`Uploading ${item.file.name}`} valueText="Waiting" />
                  <span className="document-status__text">Waiting to upload</span>
                </div>
              ) : null}
              {item.state === 'uploading' ? (
                <div className="document-status">
                  <span className="badge badge--status badge--uploading">Uploading</span>
                  <ProgressBar
                    value={item.total > 0 ? item.loaded / item.total : null}
                    label={`Uploading ${item.file.name}`}
                    valueText={`${formatBytes(item.loaded)} of ${formatBytes(item.total)}`}
                  />
                  <span className="document-status__text">
                    {formatBytes(item.loaded)} of {formatBytes(item.total)}
                  </span>
                </div>
              ) : null}
              {item.state === 'uploaded' && item.documentId ? (
                <ProcessingStatus item={{ ...item, documentId: item.documentId }} canEdit={canEdit} />
              ) : null}
              {item.state === 'rejected' ? (
                <div className="document-status">
                  <span className="badge badge--status badge--failed">Not uploaded</span>
                  <span className="document-status__error" role="alert">
                    {item.error}
                  </span>
                  {item.canRetry ? (
                    <button
                      type="button"
                      className="button button--compact"
                      onClick={() => uploads.retry(item.key)}
                    >
                      Try again
                    </button>
                  ) : null}
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
};
