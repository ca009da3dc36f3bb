import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, type AppErrorCode, type ValidationIssue } from '../errors/app-error';
import { toProblem } from '../errors/problem';
import { isDatabaseUnavailable } from './unavailable';

export const sendProblem = (
  reply: FastifyReply,
  input: {
    code: AppErrorCode;
    detail?: string;
    errors?: ValidationIssue[];
    headers?: Record<string, string>;
  },
): FastifyReply => {
  const problem = toProblem({ ...input, instance: reply.request.url.split('?')[0] });
  for (const [name, value] of Object.entries(input.headers ?? {})) reply.header(name, value);
  return reply.code(problem.status).type('application/problem+json').send(problem);
};

const fastifyCodeMap: Record<string, AppErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FIELDS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_PROTO_VIOLATION: 'BAD_REQUEST',
};

// Fastify names the query string "querystring"; problems say "query", like the rest of the API.
const toIssuePath = (instancePath: string, location: string): string =>
  [location === 'querystring' ? 'query' : location, ...instancePath.split('/').filter(Boolean)]
    .filter(Boolean)
    .join('.');

/** Maps everything a handler, a hook or Fastify itself can throw onto RFC 9457 problems. */
export const errorHandler = (
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply => {
  if (error instanceof AppError) {
    if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, {
      code: error.code,
      detail: error.message,
      errors: error.errors,
      headers: error.headers,
    });
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((issue) => ({
      path: toIssuePath(issue.instancePath, error.validationContext ?? ''),
      message: issue.message ?? 'Invalid value',
    }));
    return sendProblem(reply, {
      code: 'VALIDATION_FAILED',
      detail: `The request ${error.validationContext === 'querystring' ? 'query' : (error.validationContext ?? 'input')} is not valid.`,
      errors,
    });
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
    return sendProblem(reply, { code: 'INTERNAL' });
  }
  if (isDatabaseUnavailable(error)) {
    request.log.error({ err: error }, 'database unavailable');
    return sendProblem(reply, { code: 'SERVICE_UNAVAILABLE', headers: { 'retry-after': '5' } });
  }
  const mapped = error.code ? fastifyCodeMap[error.code] : undefined;
  if (mapped) return sendProblem(reply, { code: mapped, detail: error.message });
  if (error.statusCode === 429) {
    return sendProblem(reply, { code: 'RATE_LIMITED', detail: error.message });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return sendProblem(reply, { code: 'BAD_REQUEST', detail: error.message });
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, { code: 'INTERNAL' });
};

export const registerErrorHandling = (
  app: FastifyInstance,
  hasRouteForOtherMethod: (request: FastifyRequest) => string[],
) => {
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    const allowed = hasRouteForOtherMethod(request);
    if (allowed.length > 0) {
      return sendProblem(reply, {
        code: 'METHOD_NOT_ALLOWED',
        detail: `${request.method} is not allowed here. Allowed: ${allowed.join(', ')}.`,
        headers: { allow: allowed.join(', ') },
      });
    }
    return sendProblem(reply, {
      code: 'NOT_FOUND',
      detail: `No route for ${request.method} ${request.url.split('?')[0]}.`,
    });
  });
};
