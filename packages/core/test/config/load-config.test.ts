import { ConfigError, jwtIssuer, loadConfig } from '@companero/core/config/load-config';
import { describe, expect, it } from 'vitest';

const errorOf = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted an invalid environment');
};

describe('loadConfig', () => {
  it('fills every setting with its documented default from an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      PORT: 8000,
      PUBLIC_URL: 'http://localhost:8000',
      LOG_FORMAT: 'auto',
      LOG_LEVEL: 'info',
      DATA_DIR: './data',
      DATABASE_APP_ROLE: 'companero_app',
      DATABASE_POOL_SIZE: 10,
      DATABASE_CONNECT_TIMEOUT_MS: 3000,
      DATABASE_STATEMENT_TIMEOUT_MS: 15000,
      REDIS_KEY_PREFIX: '',
      JWT_AUDIENCE: 'companero',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 30 * 24 * 3600,
      BODY_LIMIT_BYTES: 1024 * 1024,
      CORS_ORIGINS: [],
      TRUST_PROXY: false,
      RATE_LIMIT_PER_MINUTE: 300,
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: 20,
      LOGIN_ATTEMPTS_PER_ACCOUNT_PER_15_MINUTES: 10,
      MAIL_FROM: 'Compañero <no-reply@localhost>',
      MEMBER_CODE_TTL_SECONDS: 600,
      METRICS_ENABLED: true,
    });
    // Secrets and external servers have no defaults: the embedded components are chosen instead.
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.APP_ENCRYPTION_KEY).toBeUndefined();
    expect(config.JWT_ISSUER).toBeUndefined();
  });

  it('coerces numbers and booleans from their string form', () => {
    const config = loadConfig({ PORT: '9001', DATABASE_POOL_SIZE: '3', METRICS_ENABLED: 'no' });
    expect(config.PORT).toBe(9001);
    expect(config.DATABASE_POOL_SIZE).toBe(3);
    expect(config.METRICS_ENABLED).toBe(false);
    expect(loadConfig({ METRICS_ENABLED: '1' }).METRICS_ENABLED).toBe(true);
    expect(loadConfig({ METRICS_ENABLED: 'yes' }).METRICS_ENABLED).toBe(true);
    expect(loadConfig({ METRICS_ENABLED: 'false' }).METRICS_ENABLED).toBe(false);
  });

  it('treats empty optional URLs and secrets as absent', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '  ', APP_ENCRYPTION_KEY: '', JWT_ISSUER: ' ' });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.APP_ENCRYPTION_KEY).toBeUndefined();
    expect(config.JWT_ISSUER).toBeUndefined();
  });

  it('keeps a trimmed database URL when one is given', () => {
    const config = loadConfig({ DATABASE_URL: ' postgres://app@db:5432/companero ' });
    expect(config.DATABASE_URL).toBe('postgres://app@db:5432/companero');
  });

  it('lists every invalid value in one error instead of stopping at the first', () => {
    const error = errorOf({
      NODE_ENV: 'staging',
      PORT: 'eighty',
      PUBLIC_URL: 'not a url',
      LOG_FORMAT: 'xml',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'not a url either',
      DATABASE_APP_ROLE: 'Robert"); drop table',
      DATABASE_POOL_SIZE: '0',
      DATABASE_CONNECT_TIMEOUT_MS: '5',
      REDIS_URL: 'redis',
      ACCESS_TOKEN_TTL_SECONDS: '10',
      REFRESH_TOKEN_TTL_SECONDS: '60',
      BODY_LIMIT_BYTES: '100',
      RATE_LIMIT_PER_MINUTE: '0',
      MEMBER_CODE_TTL_SECONDS: '7200',
      METRICS_ENABLED: 'maybe',
    });
    expect(error.message).toMatch(/^Invalid configuration:\n/);
    for (const name of [
      'NODE_ENV',
      'PORT',
      'PUBLIC_URL',
      'LOG_FORMAT',
      'LOG_LEVEL',
      'DATABASE_URL',
      'DATABASE_APP_ROLE',
      'DATABASE_POOL_SIZE',
      'DATABASE_CONNECT_TIMEOUT_MS',
      'REDIS_URL',
      'ACCESS_TOKEN_TTL_SECONDS',
      'REFRESH_TOKEN_TTL_SECONDS',
      'BODY_LIMIT_BYTES',
      'RATE_LIMIT_PER_MINUTE',
      'MEMBER_CODE_TTL_SECONDS',
      'METRICS_ENABLED',
    ]) {
      expect(error.message).toContain(`  ${name}: `);
    }
    expect(error.message.split('\n')).toHaveLength(17);
  });

  it('explains what a PostgreSQL role name must look like', () => {
    expect(errorOf({ DATABASE_APP_ROLE: 'App-Role' }).message).toContain(
      'DATABASE_APP_ROLE: a lower-case PostgreSQL identifier',
    );
  });

  it('splits CORS_ORIGINS on commas, trimming blanks and empty entries', () => {
    const config = loadConfig({ CORS_ORIGINS: ' https://a.example , https://b.example,, ' });
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({ CORS_ORIGINS: '' }).CORS_ORIGINS).toEqual([]);
  });

  it('reads TRUST_PROXY as a boolean, or passes an address list through to Fastify', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).TRUST_PROXY).toBe('10.0.0.0/8,127.0.0.1');
  });

  it('uses JWT_ISSUER as the token issuer, or PUBLIC_URL when it is not set', () => {
    expect(jwtIssuer(loadConfig({ PUBLIC_URL: 'https://coach.example' }))).toBe('https://coach.example');
    expect(
      jwtIssuer(loadConfig({ PUBLIC_URL: 'https://coach.example', JWT_ISSUER: 'https://auth.example' })),
    ).toBe('https://auth.example');
  });
});
