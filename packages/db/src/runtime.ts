import type { CacheComponents } from '@companero/core/cache/cache.types';
import { createCacheComponents } from '@companero/core/cache/cache-components';
import type { TConfig } from '@companero/core/config/config.schema';
import { resolveEncryptionKey } from '@companero/core/crypto/encryption-key';
import { createSecretBox, type SecretBox } from '@companero/core/crypto/secret-box';
import type { ReadinessChecks } from '@companero/core/http/health.routes';
import type { Database } from './database';
import { assertAppRoleIsConfined, createDatabaseFromConfig } from './database-from-config';
import { createJobQueue, installJobSchema, type JobQueue } from './job-queue';
import { type MigrationReport, migrate } from './migrator';
import type { TenantDatabase } from './tenant';

/**
 * The shared components one process runs on, built from config: the database (PGlite or PostgreSQL), the
 * cache/pub-sub stores (in-process or Redis), the job queue and the secret box. Services receive it whole and
 * take what they need; nothing here knows about any service.
 */
export type Runtime = {
  config: TConfig;
  database: Database;
  db: TenantDatabase;
  cache: CacheComponents;
  jobs: JobQueue;
  secretBox: SecretBox;
  readiness: ReadinessChecks;
  /** Work to stop before the job queue, cache and database close (loops that use them, such as schedulers). */
  beforeClose(stop: () => Promise<void>): void;
  close(): Promise<void>;
};

export type CreateRuntimeOptions = {
  /** Apply migrations first (the all-in-one `start`); split deployments migrate once per deploy instead. */
  migrate?: boolean;
  onMigrated?: (report: MigrationReport) => void;
  onJobError?: (error: Error) => void;
  applicationName?: string;
};

const migrateWithJobs = async (owner: Database, appRole: string): Promise<MigrationReport> => {
  const report = await migrate(owner, { appRole });
  await installJobSchema(owner, appRole);
  return report;
};

export const runMigrations = async (config: TConfig): Promise<MigrationReport> => {
  const owner = await createDatabaseFromConfig(config, {
    role: 'owner',
    applicationName: 'companero-migrate',
  });
  try {
    return await migrateWithJobs(owner, config.DATABASE_APP_ROLE);
  } finally {
    await owner.close();
  }
};

export const createRuntime = async (
  config: TConfig,
  options: CreateRuntimeOptions = {},
): Promise<Runtime> => {
  const secretBox = createSecretBox(resolveEncryptionKey(config).key);
  const database = await createDatabaseFromConfig(config, { applicationName: options.applicationName });
  try {
    // PGlite is one process-local database: migrating through the same instance avoids opening it twice.
    if (options.migrate) {
      const report =
        database.kind === 'pglite'
          ? await migrateWithJobs(database, config.DATABASE_APP_ROLE)
          : await runMigrations(config);
      options.onMigrated?.(report);
    }
    await assertAppRoleIsConfined(database, config.DATABASE_APP_ROLE);
  } catch (error) {
    await database.close();
    throw error;
  }
  const cache = createCacheComponents({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX });
  const jobs = createJobQueue({
    database,
    connectionString: config.DATABASE_OWNER_URL ?? config.DATABASE_URL,
    appRole: config.DATABASE_APP_ROLE,
    onError: options.onJobError,
  });
  const readiness: ReadinessChecks = { db: () => database.ping() };
  if (cache.kind === 'redis') readiness.redis = () => cache.ping();
  const stoppers: (() => Promise<void>)[] = [];
  return {
    config,
    database,
    db: { database, appRole: config.DATABASE_APP_ROLE },
    cache,
    jobs,
    secretBox,
    readiness,
    beforeClose(stop) {
      stoppers.push(stop);
    },
    async close() {
      // Last registered stops first, like a stack of resources.
      for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => {});
      await jobs.stop({ graceful: true, timeoutMs: 5000 }).catch(() => {});
      await cache.close();
      await database.close();
    },
  };
};
