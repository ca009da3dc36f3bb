import {
  AppError,
  type AppErrorCode,
  appErrorStatus,
  forbidden,
  notFound,
} from '@companero/core/errors/app-error';
import { problemType, toProblem } from '@companero/core/errors/problem';
import { describe, expect, it } from 'vitest';

const codes = Object.keys(appErrorStatus) as AppErrorCode[];

describe('AppError', () => {
  it.each(codes)('carries the HTTP status of %s from the status map', (code) => {
    const error = new AppError(code);
    expect(error.statusCode).toBe(appErrorStatus[code]);
    expect(error.code).toBe(code);
    expect(error.name).toBe('AppError');
    expect(error).toBeInstanceOf(Error);
  });

  it('maps the codes clients branch on to their HTTP statuses', () => {
    expect(appErrorStatus).toMatchObject({
      MALFORMED_JSON: 400,
      INVALID_TOKEN: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      METHOD_NOT_ALLOWED: 405,
      EMAIL_TAKEN: 409,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      VALIDATION_FAILED: 422,
      RATE_LIMITED: 429,
      INTERNAL: 500,
      SERVICE_UNAVAILABLE: 503,
    });
  });

  it('keeps its message, validation issues, headers and cause', () => {
    const cause = new Error('socket closed');
    const error = new AppError('VALIDATION_FAILED', {
      message: 'The body is not valid.',
      errors: [{ path: 'body.email', message: 'Invalid email' }],
      headers: { 'retry-after': '3' },
      cause,
    });
    expect(error.message).toBe('The body is not valid.');
    expect(error.errors).toEqual([{ path: 'body.email', message: 'Invalid email' }]);
    expect(error.headers).toEqual({ 'retry-after': '3' });
    expect(error.cause).toBe(cause);
  });

  it('uses the code as message and no headers when given no options', () => {
    const error = new AppError('CONFLICT');
    expect(error.message).toBe('CONFLICT');
    expect(error.headers).toEqual({});
    expect(error.errors).toBeUndefined();
  });

  it('answers the same 404 sentence for missing and for not-yours resources', () => {
    const error = notFound('program');
    expect(error.statusCode).toBe(404);
    expect(error.message).toBe('The program does not exist or is not yours.');
    expect(notFound().message).toBe('The resource does not exist or is not yours.');
  });

  it('builds a 403 with a default or a specific explanation', () => {
    expect(forbidden().statusCode).toBe(403);
    expect(forbidden().message).toBe('Your role does not allow this action.');
    expect(forbidden('Owners only.').message).toBe('Owners only.');
  });
});

describe('toProblem', () => {
  it.each(codes)('renders %s as an RFC 9457 problem with its status and a stable type', (code) => {
    const problem = toProblem({ code });
    expect(problem.status).toBe(appErrorStatus[code]);
    expect(problem.code).toBe(code);
    expect(problem.type).toBe(problemType(code));
    expect(problem.title.length).toBeGreaterThan(0);
    expect(problem.detail.length).toBeGreaterThan(0);
  });

  it('derives the problem type URI from the code', () => {
    expect(problemType('EMAIL_TAKEN')).toBe('https://companero.dev/problems/email-taken');
  });

  it('shows the detail of a client error and falls back to the title without one', () => {
    expect(toProblem({ code: 'CONFLICT', detail: 'The slug is taken.' }).detail).toBe('The slug is taken.');
    expect(toProblem({ code: 'FORBIDDEN' }).detail).toBe('Forbidden');
  });

  it('hides the detail of a 500 behind a generic sentence', () => {
    const problem = toProblem({
      code: 'INTERNAL',
      detail: 'relation "members" does not exist at db-3.internal:5432',
    });
    expect(problem.detail).not.toContain('members');
    expect(problem.detail).not.toContain('db-3');
    expect(problem.detail).toBe(
      'Something went wrong on our side. The error has been logged; please try again.',
    );
  });

  it('hides the detail of a 503 behind its own generic sentence', () => {
    const problem = toProblem({ code: 'SERVICE_UNAVAILABLE', detail: 'connect ECONNREFUSED 10.0.0.7:6379' });
    expect(problem.detail).toBe('A service Compañero depends on is unavailable. Please try again shortly.');
  });

  it('includes instance and validation errors only when given', () => {
    const bare = toProblem({ code: 'BAD_REQUEST' });
    expect(bare).not.toHaveProperty('instance');
    expect(bare).not.toHaveProperty('errors');
    const full = toProblem({
      code: 'VALIDATION_FAILED',
      instance: '/api/hub/programs',
      errors: [{ path: 'body.name', message: 'Required' }],
    });
    expect(full.instance).toBe('/api/hub/programs');
    expect(full.errors).toEqual([{ path: 'body.name', message: 'Required' }]);
  });
});
