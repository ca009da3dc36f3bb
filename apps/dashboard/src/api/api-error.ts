import type { TProblem } from '@companero/contracts/common/problem';

/** Validation messages by the body or query field they are about: `body.password` becomes `password`. */
export type FieldErrors = Record<string, string[]>;

const fallbackByStatus: Record<number, string> = {
  400: 'The request was not understood. Reload the page and try again.',
  401: 'Your session has ended. Sign in again.',
  403: 'Your role does not allow this. Ask an admin or the owner of this creator.',
  404: 'We could not find that. It may have been deleted.',
  405: 'This action is not available here.',
  409: 'That conflicts with something that already exists.',
  413: 'That file is too large.',
  415: 'That kind of file is not supported.',
  422: 'Some of what you entered is not valid.',
  429: 'Too many attempts. Wait a moment and try again.',
  503: 'The server is busy or starting. Try again in a few seconds.',
};

const fieldOf = (path: string): string => {
  const segments = path.split('.').filter(Boolean);
  const [location, field] = segments;
  if (field && ['body', 'querystring', 'query', 'params', 'headers'].includes(location ?? '')) return field;
  return segments[0] ?? '';
};

/**
 * An API call that did not succeed, described for a person: `message` is what to show, `fieldErrors` go next to
 * the inputs they name. Network failures have status 0.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: FieldErrors;
  readonly requestId: string | null;
  readonly retryAfterSeconds: number | null;
  /** The `errors` of the problem body as sent, for answers that say more than a path (a program's node ids). */
  readonly problemErrors: readonly Record<string, unknown>[];

  constructor(input: {
    status: number;
    message: string;
    code?: string;
    fieldErrors?: FieldErrors;
    requestId?: string | null;
    retryAfterSeconds?: number | null;
    problemErrors?: readonly Record<string, unknown>[];
  }) {
    super(input.message);
    this.name = 'ApiError';
    this.status = input.status;
    this.code = input.code ?? `HTTP_${input.status}`;
    this.fieldErrors = input.fieldErrors ?? {};
    this.requestId = input.requestId ?? null;
    this.retryAfterSeconds = input.retryAfterSeconds ?? null;
    this.problemErrors = input.problemErrors ?? [];
  }

  get isForbidden(): boolean {
    return this.status === 403;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** Builds the readable error for a problem+json body (RFC 9457), or for a status without one. */
export const apiErrorFromProblem = (
  status: number,
  problem: Partial<TProblem> | null,
  headers?: { requestId?: string | null; retryAfter?: string | null },
): ApiError => {
  const fieldErrors: FieldErrors = {};
  const unplaced: string[] = [];
  const problemErrors = Array.isArray(problem?.errors) ? problem.errors : [];
  for (const issue of problemErrors) {
    const field = typeof issue.path === 'string' ? fieldOf(issue.path) : '';
    if (!field) {
      unplaced.push(issue.message);
      continue;
    }
    fieldErrors[field] = [...(fieldErrors[field] ?? []), issue.message];
  }
  const retryAfterSeconds = headers?.retryAfter ? Number(headers.retryAfter) || null : null;
  let message: string;
  if (status >= 500) {
    message =
      status === 503
        ? fallbackByStatus[503]!
        : 'Something went wrong on our side. Try again in a moment; if it keeps happening, contact support.';
  } else if (status === 429 && retryAfterSeconds) {
    message = `Too many attempts. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`;
  } else {
    message = problem?.detail?.trim() || fallbackByStatus[status] || `The request failed (${status}).`;
  }
  if (unplaced.length > 0) message = `${message} ${unplaced.join('. ')}.`;
  return new ApiError({
    status,
    message,
    code: problem?.code,
    fieldErrors,
    requestId: headers?.requestId ?? null,
    retryAfterSeconds,
    problemErrors,
  });
};

export const networkError = (): ApiError =>
  new ApiError({
    status: 0,
    code: 'NETWORK',
    message: 'Cannot reach Compañero. Check your connection and try again.',
  });

/** The message to show for anything a query or mutation threw. */
export const errorMessage = (error: unknown): string => {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something unexpected happened. Reload the page and try again.';
};

/** Every validation message of an error, keyed by field, plus readable text for fields a form does not show. */
export const fieldErrorsOf = (error: unknown): FieldErrors =>
  error instanceof ApiError ? error.fieldErrors : {};
