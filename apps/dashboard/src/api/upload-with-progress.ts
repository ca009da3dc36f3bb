import type { ApiClient } from './api-client';
import { ApiError, apiErrorFromProblem, networkError } from './api-error';

type Schema<T> = { parse(value: unknown): T };

/** Bytes sent so far of the request body; `total` is null when the browser cannot tell. */
export type UploadProgress = { loaded: number; total: number | null };

export type UploadOptions<T> = {
  form: FormData;
  schema?: Schema<T>;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  /** Tests pass a stand-in; the browser's XMLHttpRequest otherwise. */
  createRequest?: () => XMLHttpRequest;
};

type RawAnswer = { status: number; body: string; contentType: string; requestId: string | null };

const abortError = () => new DOMException('The upload was cancelled.', 'AbortError');

const sendOnce = (url: string, accessToken: string, options: UploadOptions<unknown>): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortError());
      return;
    }
    const xhr = options.createRequest?.() ?? new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const cleanUp = () => options.signal?.removeEventListener('abort', onAbort);
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${accessToken}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.addEventListener('progress', (event) => {
      options.onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : null });
    });
    xhr.addEventListener('load', () => {
      cleanUp();
      resolve({
        status: xhr.status,
        body: xhr.responseText,
        contentType: xhr.getResponseHeader('content-type') ?? '',
        requestId: xhr.getResponseHeader('x-request-id'),
      });
    });
    xhr.addEventListener('error', () => {
      cleanUp();
      reject(networkError());
    });
    xhr.addEventListener('abort', () => {
      cleanUp();
      reject(abortError());
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(options.form);
  });

const parseJson = (text: string): unknown => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A multipart upload that reports the bytes sent, which `fetch` cannot do: XMLHttpRequest with the same rules as
 * the API client (the access token attached, one refresh and one retry on a 401, problem+json turned into a
 * readable `ApiError`, the answer parsed with its contract). The byte progress starts again on the retry.
 */
export const uploadWithProgress = async <T>(
  api: ApiClient,
  path: string,
  options: UploadOptions<T>,
): Promise<T> => {
  const url = `${api.baseUrl}${path}`;
  let accessToken = await api.authorize();
  let answer = await sendOnce(url, accessToken, options as UploadOptions<unknown>);
  if (answer.status === 401) {
    accessToken = await api.authorize(accessToken);
    answer = await sendOnce(url, accessToken, options as UploadOptions<unknown>);
  }
  const data = parseJson(answer.body);
  if (answer.status < 200 || answer.status >= 300) {
    const problem = answer.contentType.includes('json')
      ? (data as Record<string, unknown> | undefined)
      : null;
    throw apiErrorFromProblem(answer.status, problem ?? null, { requestId: answer.requestId });
  }
  if (!options.schema) return data as T;
  try {
    return options.schema.parse(data);
  } catch (error) {
    console.error(`The answer of POST ${path} does not match its contract`, error);
    throw new ApiError({
      status: answer.status,
      code: 'UNEXPECTED_RESPONSE',
      message: 'The server sent an answer this page does not understand. Reload the page and try again.',
    });
  }
};
