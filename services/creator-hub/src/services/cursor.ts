import { AppError } from '@companero/core/errors/app-error';

/** Opaque keyset cursors: base64url JSON, validated on the way back in. */
export const encodeCursor = (value: Record<string, string>): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

export const decodeCursor = <Keys extends string>(
  cursor: string,
  keys: readonly Keys[],
): Record<Keys, string> => {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (keys.every((key) => typeof parsed[key] === 'string')) return parsed as Record<Keys, string>;
  } catch {
    // fall through to the validation error
  }
  throw new AppError('VALIDATION_FAILED', {
    message: 'The cursor is not valid: pass back the nextCursor of a previous page.',
    errors: [{ path: 'query.cursor', message: 'Invalid cursor' }],
  });
};
