import { AppError } from '../errors/app-error';

/** Opaque keyset cursors: base64url JSON, validated on the way back in. */
export const encodeCursor = (value: Record<string, string>): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

export const decodeCursor = <Keys extends string>(
  cursor: string,
  keys: readonly Keys[],
  // A forged or stale cursor (e.g. sent back with another sort) must answer 422, not fail a cast in SQL.
  isValid: (value: Record<Keys, string>) => boolean = () => true,
): Record<Keys, string> => {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (keys.every((key) => typeof parsed[key] === 'string') && isValid(parsed as Record<Keys, string>))
      return parsed as Record<Keys, string>;
  } catch {
    // fall through to the validation error
  }
  throw new AppError('VALIDATION_FAILED', {
    message: 'The cursor is not valid: pass back the nextCursor of a previous page.',
    errors: [{ path: 'query.cursor', message: 'Invalid cursor' }],
  });
};

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => uuidPattern.test(value);

/** The UTC timestamps cursors carry (microseconds, as PostgreSQL stores them). */
export const isCursorTimestamp = (value: string) =>
  value === '-infinity' || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(value);
