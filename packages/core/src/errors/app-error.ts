/**
 * The one error type of Compañero. Its `code` is stable and part of the API (clients branch on it); the HTTP
 * status comes from `appErrorStatus`, a total map, so a new code without a status fails to compile.
 */
export const appErrorStatus = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  REFRESH_TOKEN_REUSED: 401,
  INVALID_SIGNATURE: 401,
  INVALID_CODE: 401,
  FORBIDDEN: 403,
  INVALID_WEBHOOK_SECRET: 403,
  ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  EMAIL_TAKEN: 409,
  LAST_OWNER: 409,
  ALREADY_CONNECTED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  WEAK_PASSWORD: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  PROVIDER_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type AppErrorCode = keyof typeof appErrorStatus;

export type ValidationIssue = { path: string; message: string };

export type AppErrorOptions = {
  /** Shown to the client as `detail`. Omit for 5xx: the client then sees a generic sentence. */
  message?: string;
  errors?: ValidationIssue[];
  headers?: Record<string, string>;
  cause?: unknown;
};

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly statusCode: number;
  readonly errors: ValidationIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: AppErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = appErrorStatus[code];
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export const notFound = (what = 'resource'): AppError =>
  new AppError('NOT_FOUND', { message: `The ${what} does not exist or is not yours.` });

export const forbidden = (message = 'Your role does not allow this action.'): AppError =>
  new AppError('FORBIDDEN', { message });
