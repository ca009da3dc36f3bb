import { AppError } from '@companero/core/errors/app-error';

export type ProviderRequestOptions = {
  /** Named in every error, e.g. "Ollama" or "OpenAI-compatible server". */
  provider: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** The caller's cancellation: aborting it rejects with the signal's reason, never with an AppError. */
  signal?: AbortSignal;
  /**
   * Longest silence allowed: until the response headers, then between two body chunks. A stream that keeps
   * producing is never cut, a server that stops answering is.
   */
  idleTimeoutMs: number;
};

export type ProviderResponse = {
  status: number;
  /** The body as JSON (the request is finished afterwards). */
  json(): Promise<unknown>;
  /** The body line by line, for NDJSON and SSE streams. Leaving the loop early cancels the request. */
  lines(): AsyncGenerator<string>;
  /** Cancels the request if the body is not consumed. Idempotent. */
  release(): void;
};

const errorDetailLimit = 500;

/** Ollama answers `{"error": "…"}`, OpenAI-style servers `{"error": {"message": "…"}}`; anything else as text. */
const errorDetail = (bodyText: string): string => {
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (parsed && typeof parsed === 'object' && 'error' in parsed) {
      const { error } = parsed as { error: unknown };
      if (typeof error === 'string') return error;
      if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
        return error.message;
      }
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = bodyText.trim();
  return text.length > errorDetailLimit ? `${text.slice(0, errorDetailLimit)}…` : text || '(empty body)';
};

const causeCode = (error: unknown): string => {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
};

/**
 * One HTTP call to a model provider with an idle timeout, the caller's AbortSignal and readable errors: an
 * unreachable server, a silent one and an HTTP error status all become `AppError('SERVICE_UNAVAILABLE')` whose
 * message names the provider, the URL and what the server said.
 */
export const providerRequest = async (options: ProviderRequestOptions): Promise<ProviderResponse> => {
  const { provider, url, signal, idleTimeoutMs } = options;
  signal?.throwIfAborted();
  const controller = new AbortController();
  let hasTimedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      hasTimedOut = true;
      controller.abort();
    }, idleTimeoutMs);
  };
  const onCallerAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  const release = () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
    if (!controller.signal.aborted) controller.abort();
  };
  const target = `${options.method ?? 'GET'} ${url}`;
  const failure = (error: unknown, during: string): unknown => {
    release();
    if (signal?.aborted) return signal.reason;
    if (hasTimedOut) {
      return new AppError('SERVICE_UNAVAILABLE', {
        message: `${provider} sent nothing for ${idleTimeoutMs} ms ${during} (${target})`,
        cause: error,
      });
    }
    if (error instanceof AppError) return error;
    return new AppError('SERVICE_UNAVAILABLE', {
      message: `${provider} failed ${during} (${target}): ${causeCode(error)}`,
      cause: error,
    });
  };

  arm();
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json, application/x-ndjson, text/event-stream',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: controller.signal,
    });
  } catch (error) {
    throw failure(error, 'before answering');
  }

  if (!response.ok) {
    let bodyText = '';
    try {
      arm();
      bodyText = await response.text();
    } catch {
      // the status alone still says what happened
    }
    release();
    throw new AppError('SERVICE_UNAVAILABLE', {
      message: `${provider} answered HTTP ${response.status} to ${target}: ${errorDetail(bodyText)}`,
    });
  }

  return {
    status: response.status,
    release,
    async json() {
      try {
        arm();
        const text = await response.text();
        release();
        return JSON.parse(text);
      } catch (error) {
        if (error instanceof SyntaxError) {
          release();
          throw new AppError('SERVICE_UNAVAILABLE', {
            message: `${provider} answered ${target} with a body that is not JSON`,
          });
        }
        throw failure(error, 'while sending its answer');
      }
    },
    async *lines() {
      const body = response.body;
      if (!body) {
        release();
        return;
      }
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let pending = '';
      try {
        for (;;) {
          arm();
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            throw failure(error, 'while streaming');
          }
          if (chunk.done) break;
          pending += decoder.decode(chunk.value, { stream: true });
          let newline = pending.indexOf('\n');
          while (newline !== -1) {
            const line = pending.slice(0, newline).replace(/\r$/, '');
            pending = pending.slice(newline + 1);
            yield line;
            newline = pending.indexOf('\n');
          }
        }
        pending += decoder.decode();
        if (pending !== '') yield pending.replace(/\r$/, '');
      } finally {
        release();
        reader.releaseLock();
      }
    },
  };
};
