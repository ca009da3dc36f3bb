import { type AppErrorCode, appErrorStatus, type ValidationIssue } from './app-error';

/** RFC 9457 problem details, as every Compañero error is rendered. */
export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: AppErrorCode;
  instance?: string;
  errors?: ValidationIssue[];
};

const titles: Record<AppErrorCode, string> = {
  BAD_REQUEST: 'Bad request',
  MALFORMED_JSON: 'Malformed JSON body',
  UNAUTHORIZED: 'Authentication required',
  INVALID_CREDENTIALS: 'Invalid credentials',
  INVALID_TOKEN: 'Invalid or expired token',
  REFRESH_TOKEN_REUSED: 'Refresh token already used',
  INVALID_SIGNATURE: 'Invalid signature',
  INVALID_CODE: 'Invalid or expired code',
  FORBIDDEN: 'Forbidden',
  INVALID_WEBHOOK_SECRET: 'Invalid webhook secret',
  ORIGIN_NOT_ALLOWED: 'Origin not allowed',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  CONFLICT: 'Conflict',
  EMAIL_TAKEN: 'Email already registered',
  LAST_OWNER: 'A creator needs an owner',
  ALREADY_CONNECTED: 'Already connected',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  VALIDATION_FAILED: 'Validation failed',
  WEAK_PASSWORD: 'Password too weak',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal server error',
  PROVIDER_ERROR: 'Provider error',
  SERVICE_UNAVAILABLE: 'Service unavailable',
};

const genericDetail = {
  500: 'Something went wrong on our side. The error has been logged; please try again.',
  503: 'A service Compañero depends on is unavailable. Please try again shortly.',
} as const;

export const problemType = (code: AppErrorCode): string =>
  `https://companero.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;

export const toProblem = (input: {
  code: AppErrorCode;
  detail?: string;
  errors?: ValidationIssue[];
  instance?: string;
}): ProblemDetails => {
  const status = appErrorStatus[input.code];
  // 5xx details can carry internals (SQL, hostnames): clients only ever get the generic sentence.
  const detail =
    status >= 500
      ? (genericDetail[status as 500 | 503] ?? genericDetail[500])
      : (input.detail ?? titles[input.code]);
  return {
    type: problemType(input.code),
    title: titles[input.code],
    status,
    detail,
    code: input.code,
    ...(input.instance ? { instance: input.instance } : {}),
    ...(input.errors ? { errors: input.errors } : {}),
  };
};
