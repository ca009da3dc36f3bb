import { ZKnowledgeEvent } from '@companero/contracts/creator-hub/knowledge';
import { useEffect, useRef, useState } from 'react';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { readEventStream } from '../../api/event-stream';
import { useClaims } from '../auth/session';
import type { TKnowledgeEvent } from './knowledge.api';

export type LiveConnection = 'connecting' | 'open' | 'reconnecting' | 'closed';

export type KnowledgeEventsOptions = {
  /** A document finished (ready or failed): lists should be fetched again for its final row. */
  onSettled?: (event: TKnowledgeEvent) => void;
  /** The stream (re)connected: events may have been missed while it was down. */
  onReconnected?: () => void;
  /** Waits before reconnecting, by attempt: 1 s, 2 s, 4 s… up to `maxDelayMs`, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The server sends a comment every 15 s; silence for longer than this means a dead connection. */
  idleTimeoutMs?: number;
};

/** The wait before reconnection attempt `attempt` (0-based): doubling, capped, with up to 20 % jitter. */
export const reconnectDelay = (
  attempt: number,
  baseDelayMs = 1000,
  maxDelayMs = 30_000,
  random = Math.random,
) => Math.round(Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.8 + random() * 0.2));

/**
 * Live ingestion progress: the latest event of each document, from `GET /api/hub/knowledge/events`. The stream
 * is read with `fetch` (EventSource cannot send the Authorization header), reconnects with backoff when it drops
 * or goes silent, and stops for good only when the session has ended.
 */
export const useKnowledgeEvents = (options: KnowledgeEventsOptions = {}) => {
  const api = useApi();
  // Another creator is another stream: the server subscribes by the token's creator.
  const { creatorId } = useClaims();
  const [events, setEvents] = useState<ReadonlyMap<string, TKnowledgeEvent>>(() => new Map());
  const [connection, setConnection] = useState<LiveConnection>('connecting');
  // The callbacks change with every render of the caller; the connection must not.
  const callbacks = useRef(options);
  callbacks.current = options;
  const { baseDelayMs = 1000, maxDelayMs = 30_000, idleTimeoutMs = 45_000 } = options;

  // biome-ignore lint/correctness/useExhaustiveDependencies: creatorId is not read, but a new one needs a new stream
  useEffect(() => {
    const stop = new AbortController();
    setEvents(new Map());
    setConnection('connecting');
    let attempt = 0;
    let hasConnectedBefore = false;

    const connectOnce = async () => {
      const attemptAbort = new AbortController();
      const onStop = () => attemptAbort.abort();
      stop.signal.addEventListener('abort', onStop);
      let idleTimer: ReturnType<typeof setTimeout> | undefined;
      const armIdleTimer = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => attemptAbort.abort(), idleTimeoutMs);
      };
      try {
        const response = await api.openStream('GET', '/api/hub/knowledge/events', {
          signal: attemptAbort.signal,
        });
        if (!response.body) throw new Error('The browser gave no readable stream.');
        attempt = 0;
        setConnection('open');
        if (hasConnectedBefore) {
          // What happened while the stream was down is in the lists, not in events we will never get.
          setEvents(new Map());
          callbacks.current.onReconnected?.();
        }
        hasConnectedBefore = true;
        armIdleTimer();
        await readEventStream(
          response.body,
          (message) => {
            if (message.event !== 'document') return;
            let parsed: TKnowledgeEvent;
            try {
              parsed = ZKnowledgeEvent.parse(JSON.parse(message.data));
            } catch {
              return;
            }
            setEvents((current) => new Map(current).set(parsed.documentId, parsed));
            if (parsed.status === 'ready' || parsed.status === 'failed')
              callbacks.current.onSettled?.(parsed);
          },
          { onActivity: armIdleTimer },
        );
      } finally {
        clearTimeout(idleTimer);
        stop.signal.removeEventListener('abort', onStop);
      }
    };

    const run = async () => {
      while (!stop.signal.aborted) {
        try {
          await connectOnce();
        } catch (error) {
          // The session is over: the app signs out; reconnecting would only fail again.
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
            setConnection('closed');
            return;
          }
        }
        if (stop.signal.aborted) return;
        setConnection('reconnecting');
        const delay = reconnectDelay(attempt, baseDelayMs, maxDelayMs);
        attempt += 1;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          stop.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
      }
    };
    void run();
    return () => stop.abort();
  }, [api, creatorId, baseDelayMs, maxDelayMs, idleTimeoutMs]);

  /** Forgets what the stream said about a document whose status was just reset (reindex). */
  const forget = (documentId: string) =>
    setEvents((current) => {
      if (!current.has(documentId)) return current;
      const next = new Map(current);
      next.delete(documentId);
      return next;
    });

  return { events, connection, forget };
};
