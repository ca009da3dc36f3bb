import type {
  ZChannelHistory,
  ZWidgetSessionRequest,
  ZWidgetSessionResponse,
} from '@companero/contracts/channel/widget';
import type { z } from 'zod';

export type WidgetSessionRequest = z.infer<typeof ZWidgetSessionRequest>;
export type WidgetSession = z.infer<typeof ZWidgetSessionResponse>;
export type ChannelHistory = z.infer<typeof ZChannelHistory>;

/** Why the widget could not talk to the server, sorted by what the person in front of it can do about it. */
export type SessionProblemKind = 'forbidden' | 'not-found' | 'unauthorized' | 'rate-limited' | 'unavailable';

/** A failed call to the server. `detail` is the problem document's text, meant for the site owner's console. */
export class SessionError extends Error {
  readonly kind: SessionProblemKind;
  readonly status: number;
  readonly detail: string;

  constructor(kind: SessionProblemKind, status: number, detail: string) {
    super(`${kind} (${status}): ${detail}`);
    this.name = 'SessionError';
    this.kind = kind;
    this.status = status;
    this.detail = detail;
  }
}

export type SessionClientOptions = {
  /** The server's origin, e.g. `https://coach.example.com`. */
  origin: string;
  creatorSlug: string;
  fetch?: typeof fetch;
};

/** The widget's two HTTP calls: open a member session for this visitor, and read the conversation so far. */
export const createSessionClient = ({
  origin,
  creatorSlug,
  fetch: fetcher = fetch,
}: SessionClientOptions) => {
  const request = async <T>(path: string, init: RequestInit): Promise<T> => {
    let response: Response;
    try {
      // No cookies: the session is the token we are given, never the host page's or the server's cookies.
      response = await fetcher(origin + path, { ...init, credentials: 'omit', mode: 'cors' });
    } catch (cause) {
      throw new SessionError('unavailable', 0, cause instanceof Error ? cause.message : String(cause));
    }
    if (!response.ok) throw await toSessionError(response);
    return (await response.json()) as T;
  };

  return {
    createSession: (input: WidgetSessionRequest) =>
      request<WidgetSession>(`/api/channels/widget/${encodeURIComponent(creatorSlug)}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(input),
      }),

    fetchHistory: (token: string) =>
      request<ChannelHistory>('/api/channels/messages', {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      }),
  };
};
export type SessionClient = ReturnType<typeof createSessionClient>;

const toSessionError = async (response: Response): Promise<SessionError> => {
  let detail = response.statusText;
  try {
    const body: unknown = await response.json();
    if (body && typeof body === 'object') {
      const problem = body as { detail?: unknown; title?: unknown };
      if (typeof problem.detail === 'string') detail = problem.detail;
      else if (typeof problem.title === 'string') detail = problem.title;
    }
  } catch {
    // Not JSON (a proxy's HTML error page): the status text is all there is.
  }
  return new SessionError(kindForStatus(response.status), response.status, detail);
};

const kindForStatus = (status: number): SessionProblemKind => {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  return 'unavailable';
};
