import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, Transaction } from './database';

export const migrationsDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

export type Migration = { version: string; name: string; sql: string; checksum: string };

export const loadMigrations = (directory = migrationsDirectory): Migration[] =>
  readdirSync(directory)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(directory, file), 'utf8');
      return {
        version: file.slice(0, 4),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });

// An arbitrary constant: two `companero db migrate` runs at once serialise on it instead of racing.
const migrationLockId = 4_217_001;

export type MigrationReport = { applied: string[]; alreadyApplied: number };

/**
 * Runs `work` in a transaction holding the migration lock (PostgreSQL). Also for GRANTs: two processes granting
 * on the same objects at once fail ("tuple concurrently updated") or deadlock, which crashed one of two
 * `companero start` replicas booting together.
 */
export const withMigrationLock = <T>(database: Database, work: (tx: Transaction) => Promise<T>): Promise<T> =>
  database.transaction(async (tx) => {
    if (database.kind === 'postgres') await tx.query('select pg_advisory_xact_lock($1)', [migrationLockId]);
    return work(tx);
  });

/**
 * Applies pending migrations in order, as the connection's role (the owner), in ONE transaction: either every
 * pending migration lands or none does. On PostgreSQL a transaction-scoped advisory lock makes concurrent
 * migrators wait for each other (it is held by that transaction's own connection and released with it).
 * Refuses to run when an applied file was edited since (checksum mismatch): migrations are append-only.
 * Then makes sure the application role exists and holds exactly the privileges it needs.
 */
export const migrate = async (
  database: Database,
  options: { appRole: string; migrations?: Migration[] },
): Promise<MigrationReport> => {
  const migrations = options.migrations ?? loadMigrations();
  const report = await withMigrationLock(database, async (tx) => {
    await tx.exec(`create table if not exists schema_migrations (
      version text primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now())`);
    const { rows } = await tx.query<{ version: string; checksum: string }>(
      'select version, checksum from schema_migrations',
    );
    const applied = new Map(rows.map((row) => [row.version, row.checksum]));
    const result: MigrationReport = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum) {
        if (checksum !== migration.checksum) {
          throw new Error(
            `Migration ${migration.version}_${migration.name} was changed after it was applied.`,
          );
        }
        result.alreadyApplied += 1;
        continue;
      }
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new Error(
          `Migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      await tx.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      result.applied.push(`${migration.version}_${migration.name}`);
    }
    return result;
  });
  await ensureAppRole(database, options.appRole);
  return report;
};

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The role the application runs as: NOSUPERUSER NOBYPASSRLS, owning nothing, with DML on the tables and the
 * right to enqueue jobs. Roles are cluster-wide in PostgreSQL, so creation tolerates a concurrent creator.
 */
export const ensureAppRole = async (database: Database, appRole: string): Promise<void> => {
  const role = quoteIdent(appRole);
  const literal = `'${appRole.replaceAll("'", "''")}'`;
  await withMigrationLock(database, async (tx) => {
    await tx.exec(`
    do $$
    begin
      if not exists (select 1 from pg_roles where rolname = ${literal}) then
        begin
          create role ${role} nologin nosuperuser nobypassrls nocreatedb nocreaterole;
        exception when duplicate_object or unique_violation then null;
        end;
      end if;
    end $$;
    grant usage on schema public to ${role};
    grant select, insert, update, delete on all tables in schema public to ${role};
    grant usage, select on all sequences in schema public to ${role};
    revoke all on schema_migrations from ${role};
  `);
    // The connecting role must be able to SET ROLE to the app role (superusers always can).
    await tx.exec(`
    do $$
    begin
      if not exists (select 1 from pg_roles where rolname = current_user and rolsuper) then
        execute format('grant %I to %I', ${literal}, current_user);
      end if;
    exception when others then null;
    end $$;`);
  });
};
