/**
 * A provider call that failed. `retryable` failures (429, 5xx, network) are retried by the delivery queue with
 * backoff; the others (a blocked user, a bad token) go straight to the dead letters with the provider's words.
 */
export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly status: number | null;
  /** The provider's own wait (Telegram `retry_after`, HTTP `Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    options: { retryable: boolean; status?: number | null; retryAfterMs?: number | null; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.retryable = options.retryable;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** 408, 425, 429 and every 5xx are worth another try; other 4xx say the request itself is wrong. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 425 || status === 429 || status >= 500;

/** `Retry-After` as seconds or an HTTP date, in milliseconds; null when absent or unreadable. */
export const parseRetryAfter = (value: string | null | undefined, now = Date.now()): number | null => {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
};
