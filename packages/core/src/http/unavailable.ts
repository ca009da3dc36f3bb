const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** True for errors meaning "the database (or Redis) cannot be reached now" rather than "this query is wrong". */
export const isDatabaseUnavailable = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    if (typeof current === 'object' && current !== null) {
      const { code, message } = current as { code?: unknown; message?: unknown };
      if (typeof code === 'string' && unavailableCodes.has(code)) return true;
      if (
        typeof message === 'string' &&
        /timeout exceeded when trying to connect|Connection terminated/i.test(message)
      ) {
        return true;
      }
      current = (current as { cause?: unknown }).cause;
    } else break;
  }
  return false;
};
