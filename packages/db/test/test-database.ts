import type { TConfig } from '@companero/core/config/config.schema';
import { loadConfig } from '@companero/core/config/load-config';
import type { Database } from '@companero/db/database';
import { createDatabaseFromConfig } from '@companero/db/database-from-config';
import { migrate } from '@companero/db/migrator';
import type { TenantDatabase } from '@companero/db/tenant';
import { type Backend, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';

export type TestDatabase = {
  environment: TestEnvironment;
  config: TConfig;
  /** The migration (owner) connection: sees every row, used to arrange and to check behind RLS. */
  database: Database;
  db: TenantDatabase;
  close(): Promise<void>;
};

/** A private, migrated database for one test file: PGlite in a temp dir, or a fresh PostgreSQL database. */
export const openTestDatabase = async (
  backend: Backend,
  options: { migrated?: boolean; env?: Record<string, string> } = {},
): Promise<TestDatabase> => {
  const environment = await createTestEnvironment(backend, options.env);
  const config = loadConfig(environment.env);
  const database = await createDatabaseFromConfig(config, { role: 'owner' });
  if (options.migrated ?? true) await migrate(database, { appRole: config.DATABASE_APP_ROLE });
  return {
    environment,
    config,
    database,
    db: { database, appRole: config.DATABASE_APP_ROLE },
    async close() {
      await database.close();
      await environment.cleanup();
    },
  };
};

/** The message of a rejected promise, without letting a PGlite error object reach the reporter. */
export const rejectionMessage = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved without error',
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
