import { join, resolve } from 'node:path';
import type { TConfig } from '@companero/core/config/config.schema';
import type { Database } from './database';
import { createPgliteDatabase } from './pglite-database';
import { createPostgresDatabase } from './postgres-database';

/** PostgreSQL when `DATABASE_URL` is set (or `owner` asks for the migration role), PGlite in DATA_DIR/pg otherwise. */
export const createDatabaseFromConfig = async (
  config: TConfig,
  options: { role?: 'app' | 'owner'; applicationName?: string } = {},
): Promise<Database> => {
  const url =
    options.role === 'owner' ? (config.DATABASE_OWNER_URL ?? config.DATABASE_URL) : config.DATABASE_URL;
  if (url) {
    return createPostgresDatabase({
      connectionString: url,
      poolSize: config.DATABASE_POOL_SIZE,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
      applicationName: options.applicationName,
    });
  }
  return createPgliteDatabase(resolve(join(config.DATA_DIR, 'pg')));
};

/** Refuses to run when the application role could read across tenants. */
export const assertAppRoleIsConfined = async (database: Database, appRole: string): Promise<void> => {
  const { rows } = await database.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
    'select rolsuper, rolbypassrls from pg_roles where rolname = $1',
    [appRole],
  );
  const role = rows[0];
  if (!role)
    throw new Error(`The application role "${appRole}" does not exist: run \`companero db migrate\`.`);
  if (role.rolsuper || role.rolbypassrls) {
    throw new Error(`The application role "${appRole}" can bypass row level security; refusing to start.`);
  }
};
