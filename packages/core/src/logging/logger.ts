import type { LoggerOptions } from 'pino';

/**
 * Paths pino censors in every log line. Request bodies are never logged whole, but a handler that logs an
 * object with one of these keys still cannot leak it.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.botToken',
  '*.appSecret',
  '*.secret',
  'password',
  'accessToken',
  'refreshToken',
  'authorization',
  'cookie',
];

/** JSON lines for machines; pino-pretty when a person watches a terminal (LOG_FORMAT=auto and a TTY). */
export const loggerOptions = (
  level: string,
  service: string,
  format: 'auto' | 'json' | 'pretty' = 'json',
): LoggerOptions => {
  const isPretty = format === 'pretty' || (format === 'auto' && Boolean(process.stdout.isTTY));
  return {
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    ...(isPretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' },
          },
        }
      : {}),
  };
};
