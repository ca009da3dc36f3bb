import { ZTokenPair } from '@companero/contracts/auth/session';
import { ApiError, apiErrorFromProblem, networkError } from './api-error';
import type { TokenPair, TokenStore } from './token-store';

type Schema<T> = { parse(value: unknown): T };
type QueryValue = string | number | boolean | null | undefined;

export type RequestOptions<T> = {
  query?: Record<string, QueryValue>;
  /** JSON-serialisable, or FormData for uploads (the browser sets the multipart boundary). */
  body?: unknown;
  /** The response contract: the answer is parsed with it, so a drift from the contract shows up at once. */
  schema?: Schema<T>;
  signal?: AbortSignal;
  /** false for the public sign-in routes. */
  isAuthenticated?: boolean;
  responseType?: 'json' | 'blob' | 'text';
};

export type ApiClient = {
  request<T>(method: string, path: string, options?: RequestOptions<T>): Promise<T>;
  get<T>(path: string, options?: RequestOptions<T>): Promise<T>;
  post<T>(path: string, body?: unknown, options?: RequestOptions<T>): Promise<T>;
  patch<T>(path: string, body?: unknown, options?: RequestOptions<T>): Promise<T>;
  put<T>(path: string, body?: unknown, options?: RequestOptions<T>): Promise<T>;
  delete<T>(path: string, options?: RequestOptions<T>): Promise<T>;
  /**
   * The raw answer of an authenticated request, for bodies read as a stream (server-sent events). It refreshes
   * once on a 401 like every other call and throws the readable `ApiError` for any answer that is not 2xx.
   */
  openStream(method: string, path: string, options?: StreamOptions): Promise<Response>;
  /**
   * An access token to send by other means (XMLHttpRequest uploads). Pass the token the server just refused
   * with a 401 to get a fresh one: one another request already obtained, or a new refresh. Throws the 401
   * `ApiError` when the session has ended.
   */
  authorize(refusedToken?: string | null): Promise<string>;
  /** Exchanges the stored refresh token; concurrent callers share one exchange. Null when the session ended. */
  refreshSession(): Promise<string | null>;
  tokens: TokenStore;
  /** Prefixed to every path ('' in the browser: the API is on the dashboard's origin). */
  baseUrl: string;
};

export type StreamOptions = {
  query?: Record<string, QueryValue>;
  /** JSON-serialisable. */
  body?: unknown;
  signal?: AbortSignal;
  accept?: string;
};

type LockManagerLike = { request<T>(name: string, callback: () => Promise<T>): Promise<T> };

export type ApiClientOptions = {
  tokens: TokenStore;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Cross-tab lock (Web Locks API), so two tabs never present the same single-use refresh token. */
  locks?: LockManagerLike | null;
};

// Refresh a little before expiry so a request is not sent with a token that dies on the way.
const expiryMarginMs = 10_000;

const toQueryString = (query: Record<string, QueryValue> | undefined): string => {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
};

const readError = async (response: Response): Promise<ApiError> => {
  let problem: Record<string, unknown> | null = null;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      problem = (await response.json()) as Record<string, unknown>;
    } catch {
      problem = null;
    }
  }
  return apiErrorFromProblem(response.status, problem, {
    requestId: response.headers.get('x-request-id'),
    retryAfter: response.headers.get('retry-after'),
  });
};

/**
 * The dashboard's only way to the API: attaches the access token, refreshes it once on a 401 (every request
 * that fails meanwhile waits for the same refresh, because a refresh token works once), and turns problem+json
 * answers into `ApiError`s with readable messages.
 */
export const createApiClient = (options: ApiClientOptions): ApiClient => {
  const { tokens } = options;
  const baseUrl = options.baseUrl ?? '';
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const locks =
    options.locks === undefined
      ? ((globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks ?? null)
      : options.locks;
  let inFlightRefresh: Promise<string | null> | null = null;

  const send = async (input: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetchImpl(input, init);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw networkError();
    }
  };

  const exchangeRefreshToken = async (): Promise<string | null> => {
    const refreshToken = tokens.getRefreshToken();
    if (!refreshToken) return null;
    const response = await send(`${baseUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    if (response.ok) {
      const pair: TokenPair = ZTokenPair.parse(await response.json());
      tokens.set(pair);
      return pair.accessToken;
    }
    // 401: used, revoked or expired; 422: a token this server never issued. Either way the session is over.
    if (response.status === 401 || response.status === 422) {
      tokens.clear('expired');
      return null;
    }
    throw await readError(response);
  };

  const refreshSession = (): Promise<string | null> => {
    inFlightRefresh ??= (async () => {
      try {
        return locks
          ? await locks.request('companero-token-refresh', async () => {
              // Another tab may have refreshed while this one waited: its access token is not shared, but
              // the rotated refresh token is, and exchangeRefreshToken reads the newest one.
              return exchangeRefreshToken();
            })
          : await exchangeRefreshToken();
      } finally {
        inFlightRefresh = null;
      }
    })();
    return inFlightRefresh;
  };

  const authorize = async (refusedToken?: string | null): Promise<string> => {
    let token: string | null;
    if (refusedToken === undefined) {
      token = tokens.getAccessToken(expiryMarginMs) ?? (await refreshSession());
    } else {
      // If another request already refreshed while this one was on the way, use its token instead of
      // spending the new refresh token again.
      const current = tokens.getAccessToken();
      token = current && current !== refusedToken ? current : await refreshSession();
    }
    if (!token) throw apiErrorFromProblem(401, null);
    return token;
  };

  /** Sends with the access token, and once more with a fresh one if the server answers 401. */
  const sendAuthorized = async (
    url: string,
    init: RequestInit & { headers: Record<string, string> },
    isAuthenticated: boolean,
  ): Promise<Response> => {
    if (!isAuthenticated) return send(url, init);
    const sendWith = (accessToken: string) =>
      send(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${accessToken}` } });
    const accessToken = await authorize();
    const response = await sendWith(accessToken);
    if (response.status !== 401) return response;
    return sendWith(await authorize(accessToken));
  };

  const request = async <T>(
    method: string,
    path: string,
    requestOptions: RequestOptions<T> = {},
  ): Promise<T> => {
    const isAuthenticated = requestOptions.isAuthenticated ?? true;
    const url = `${baseUrl}${path}${toQueryString(requestOptions.query)}`;
    const isForm = typeof FormData !== 'undefined' && requestOptions.body instanceof FormData;
    const headers: Record<string, string> = {
      accept:
        requestOptions.responseType === 'json' || !requestOptions.responseType ? 'application/json' : '*/*',
    };
    if (requestOptions.body !== undefined && !isForm) headers['content-type'] = 'application/json';
    const body =
      requestOptions.body === undefined
        ? undefined
        : isForm
          ? (requestOptions.body as FormData)
          : JSON.stringify(requestOptions.body);

    const response = await sendAuthorized(
      url,
      { method, headers, body, signal: requestOptions.signal },
      isAuthenticated,
    );
    if (!response.ok) throw await readError(response);
    if (response.status === 204 || response.status === 205) return undefined as T;

    if (requestOptions.responseType === 'blob') return (await response.blob()) as T;
    if (requestOptions.responseType === 'text') return (await response.text()) as T;
    const text = await response.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!requestOptions.schema) return data as T;
    try {
      return requestOptions.schema.parse(data);
    } catch (error) {
      console.error(`The answer of ${method} ${path} does not match its contract`, error);
      throw new ApiError({
        status: response.status,
        code: 'UNEXPECTED_RESPONSE',
        message: 'The server sent an answer this page does not understand. Reload the page and try again.',
      });
    }
  };

  const openStream = async (method: string, path: string, streamOptions: StreamOptions = {}) => {
    const headers: Record<string, string> = { accept: streamOptions.accept ?? 'text/event-stream' };
    if (streamOptions.body !== undefined) headers['content-type'] = 'application/json';
    const response = await sendAuthorized(
      `${baseUrl}${path}${toQueryString(streamOptions.query)}`,
      {
        method,
        headers,
        body: streamOptions.body === undefined ? undefined : JSON.stringify(streamOptions.body),
        signal: streamOptions.signal,
        cache: 'no-store',
      },
      true,
    );
    if (!response.ok) throw await readError(response);
    return response;
  };

  return {
    request,
    get: (path, requestOptions) => request('GET', path, requestOptions),
    post: (path, body, requestOptions) => request('POST', path, { ...requestOptions, body }),
    patch: (path, body, requestOptions) => request('PATCH', path, { ...requestOptions, body }),
    put: (path, body, requestOptions) => request('PUT', path, { ...requestOptions, body }),
    delete: (path, requestOptions) => request('DELETE', path, requestOptions),
    openStream,
    authorize,
    refreshSession,
    tokens,
    baseUrl,
  };
};
