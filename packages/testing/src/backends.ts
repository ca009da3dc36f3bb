import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * The component sets a test runs against: always the embedded defaults (PGlite, in-process stores) and, when
 * DATABASE_URL / REDIS_URL are set (CI sets both), the real PostgreSQL and Redis servers too.
 */
export type Backend = { name: 'embedded' | 'postgres'; usesPostgres: boolean; usesRedis: boolean };

export const backends = (): Backend[] => {
  const list: Backend[] = [{ name: 'embedded', usesPostgres: false, usesRedis: false }];
  if (process.env.DATABASE_URL)
    list.push({ name: 'postgres', usesPostgres: true, usesRedis: Boolean(process.env.REDIS_URL) });
  return list;
};

export type TestEnvironment = {
  /** Environment variables for `loadConfig`: a private database, role, data dir and Redis key prefix. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
};

const suffix = () => randomBytes(5).toString('hex');

/**
 * A private environment for one test file: a temporary DATA_DIR (PGlite lives there), or on PostgreSQL a fresh
 * database and a fresh application role, both dropped afterwards. Nothing is shared between test files.
 */
export const createTestEnvironment = async (
  backend: Backend,
  extra: Record<string, string> = {},
): Promise<TestEnvironment> => {
  const id = suffix();
  const dataDir = mkdtempSync(join(tmpdir(), 'companero-test-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    LOG_FORMAT: 'json',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_URL: 'http://localhost:8000',
    APP_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    DATABASE_APP_ROLE: `companero_app_${id}`,
    ...extra,
  };
  let dropDatabase = async () => {};
  if (backend.usesPostgres) {
    const adminUrl = process.env.DATABASE_URL!;
    const databaseName = `companero_test_${id}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${databaseName}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${databaseName}`;
    env.DATABASE_URL = url.toString();
    dropDatabase = async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${databaseName} with (force)`);
        // The role was granted privileges only inside the dropped database, so it can go now.
        await client.query(`drop role if exists ${env.DATABASE_APP_ROLE}`);
      } finally {
        await client.end();
      }
    };
  }
  let flushRedis = async () => {};
  if (backend.usesRedis) {
    env.REDIS_URL = process.env.REDIS_URL!;
    env.REDIS_KEY_PREFIX = `test_${id}:`;
    flushRedis = async () => {
      const redis = new Redis(process.env.REDIS_URL!);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_KEY_PREFIX}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        await redis.quit();
      }
    };
  }
  return {
    env,
    async cleanup() {
      await dropDatabase();
      await flushRedis();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
