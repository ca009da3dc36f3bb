import { Writable } from 'node:stream';
import { loggerOptions } from '@companero/core/logging/logger';
import pino from 'pino';
import { describe, expect, it } from 'vitest';

const captureLogger = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const logger = pino(loggerOptions('info', 'auth', 'json'), stream);
  return { logger, output: () => lines.join('') };
};

describe('loggerOptions', () => {
  it('censors passwords, tokens and authorization headers wherever a handler logs them', () => {
    const { logger, output } = captureLogger();
    logger.info(
      {
        password: 'hunter2-top-level',
        accessToken: 'eyJ.access.top',
        refreshToken: 'rt-top-level-secret',
        authorization: 'Bearer top-level-bearer',
        cookie: 'session=top-level-cookie',
        body: {
          password: 'hunter2-nested',
          newPassword: 'new-nested-pass',
          accessToken: 'eyJ.access.nested',
          refreshToken: 'rt-nested-secret',
          token: 'invite-token-nested',
        },
        channel: {
          botToken: '123:telegram-bot-token',
          appSecret: 'meta-app-secret',
          secret: 'webhook-secret',
        },
        req: {
          headers: {
            authorization: 'Bearer eyJ.header.token',
            cookie: 'sid=header-cookie',
            'x-hub-signature-256': 'sha256=signature-value',
            'x-telegram-bot-api-secret-token': 'telegram-header-secret',
          },
        },
        res: { headers: { 'set-cookie': 'sid=set-cookie-value' } },
      },
      'signing in',
    );
    const text = output();
    for (const secret of [
      'hunter2-top-level',
      'eyJ.access.top',
      'rt-top-level-secret',
      'top-level-bearer',
      'top-level-cookie',
      'hunter2-nested',
      'new-nested-pass',
      'eyJ.access.nested',
      'rt-nested-secret',
      'invite-token-nested',
      'telegram-bot-token',
      'meta-app-secret',
      'webhook-secret',
      'eyJ.header.token',
      'header-cookie',
      'signature-value',
      'telegram-header-secret',
      'set-cookie-value',
    ]) {
      expect(text).not.toContain(secret);
    }
    const line = JSON.parse(text);
    expect(line.password).toBe('[redacted]');
    expect(line.body.refreshToken).toBe('[redacted]');
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.msg).toBe('signing in');
  });

  it('keeps the fields that are not secrets', () => {
    const { logger, output } = captureLogger();
    logger.info({ creatorId: 'c-1', body: { email: 'ana@example.com' } }, 'registered');
    const line = JSON.parse(output());
    expect(line.creatorId).toBe('c-1');
    expect(line.body.email).toBe('ana@example.com');
  });

  it('writes JSON lines with the service name, the level and an ISO timestamp', () => {
    const { logger, output } = captureLogger();
    logger.warn('careful');
    const line = JSON.parse(output());
    expect(line.service).toBe('auth');
    expect(line.level).toBe(40);
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('drops lines below the configured level', () => {
    const { logger, output } = captureLogger();
    logger.debug('too chatty');
    expect(output()).toBe('');
  });

  it('uses pino-pretty only when asked for pretty output', () => {
    expect(loggerOptions('info', 'hub', 'pretty').transport).toMatchObject({ target: 'pino-pretty' });
    expect(loggerOptions('info', 'hub', 'json').transport).toBeUndefined();
  });

  it('picks pretty output in auto mode exactly when stdout is a terminal', () => {
    const options = loggerOptions('info', 'hub', 'auto');
    expect(options.transport !== undefined).toBe(Boolean(process.stdout.isTTY));
  });
});
