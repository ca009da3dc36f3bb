import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api/api-error';
import { uploadErrorMessage, useInvalidateDocuments, useUploadDocument } from './knowledge.api';

/**
 * One file on its way in. `uploaded` hands over to the document's own status (queued → processing → ready or
 * failed), which the live events report.
 */
export type UploadItem = {
  key: string;
  file: File;
  folderId: string | null;
  state: 'waiting' | 'uploading' | 'uploaded' | 'rejected';
  loaded: number;
  total: number;
  documentId: string | null;
  error: string | null;
  /** Network trouble or a busy server: sending the same file again may work. A 409, 413 or 415 will not. */
  canRetry: boolean;
};

// A few at a time: each upload holds a connection, and the browser allows six per server (one is the live stream).
const parallelUploads = 3;

let nextKey = 1;

/** The files being uploaded from the Knowledge pages, with their byte progress. */
export const useUploadQueue = () => {
  const upload = useUploadDocument();
  const invalidateDocuments = useInvalidateDocuments();
  const [items, setItems] = useState<UploadItem[]>([]);
  const started = useRef(new Set<string>());
  const controllers = useRef(new Map<string, AbortController>());

  const patch = useCallback(
    (key: string, change: Partial<UploadItem>) =>
      setItems((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item))),
    [],
  );

  // Starts waiting files while fewer than `parallelUploads` are on the way.
  useEffect(() => {
    const active = items.filter((item) => item.state === 'uploading').length;
    const ready = items.filter((item) => item.state === 'waiting' && !started.current.has(item.key));
    for (const item of ready.slice(0, Math.max(0, parallelUploads - active))) {
      started.current.add(item.key);
      const controller = new AbortController();
      controllers.current.set(item.key, controller);
      patch(item.key, { state: 'uploading', loaded: 0 });
      upload({
        file: item.file,
        folderId: item.folderId,
        signal: controller.signal,
        onProgress: ({ loaded, total }) => patch(item.key, { loaded, total: total ?? item.file.size }),
      })
        .then((result) => {
          patch(item.key, { state: 'uploaded', documentId: result.id, loaded: item.file.size });
          invalidateDocuments();
        })
        .catch((error: unknown) => {
          if (error instanceof DOMException && error.name === 'AbortError') {
            setItems((current) => current.filter((entry) => entry.key !== item.key));
            return;
          }
          const status = error instanceof ApiError ? error.status : 0;
          patch(item.key, {
            state: 'rejected',
            error: uploadErrorMessage(error),
            canRetry: status === 0 || status >= 500 || status === 429,
          });
        })
        .finally(() => controllers.current.delete(item.key));
    }
  }, [items, upload, patch, invalidateDocuments]);

  const add = useCallback((files: Iterable<File>, folderId: string | null) => {
    const added = [...files].map(
      (file): UploadItem => ({
        key: `upload-${nextKey++}`,
        file,
        folderId,
        state: 'waiting',
        loaded: 0,
        total: file.size,
        documentId: null,
        error: null,
        canRetry: false,
      }),
    );
    setItems((current) => [...added, ...current]);
  }, []);

  const retry = useCallback((key: string) => {
    started.current.delete(key);
    setItems((current) =>
      current.map((item) =>
        item.key === key ? { ...item, state: 'waiting', loaded: 0, error: null, canRetry: false } : item,
      ),
    );
  }, []);

  /** Cancels an upload on its way, or takes a finished one off the list. */
  const dismiss = useCallback((key: string) => {
    controllers.current.get(key)?.abort();
    setItems((current) => current.filter((item) => item.key !== key));
  }, []);

  return { items, add, retry, dismiss };
};
