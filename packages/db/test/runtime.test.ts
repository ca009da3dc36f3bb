import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TConfig } from '@companero/core/config/config.schema';
import { loadConfig } from '@companero/core/config/load-config';
import { createDatabaseFromConfig } from '@companero/db/database-from-config';
import { loadMigrations } from '@companero/db/migrator';
import { createRuntime, runMigrations } from '@companero/db/runtime';
import { backends, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectionMessage } from './test-database';

/** Read when asserting, not at import: the migration folder grows while the suite lives. */
const allMigrations = () => loadMigrations().map((migration) => `${migration.version}_${migration.name}`);

describe.each(backends())('createRuntime on $name', (backend) => {
  let environment: TestEnvironment;
  let config: TConfig;
  const strayRoles: string[] = [];

  beforeEach(async () => {
    environment = await createTestEnvironment(backend);
    config = loadConfig(environment.env);
  });
  afterEach(async () => {
    if (strayRoles.length > 0) {
      // Roles are cluster-wide on PostgreSQL: drop the ones this test made, by their unique names.
      const owner = await createDatabaseFromConfig(config, { role: 'owner' });
      for (const role of strayRoles.splice(0)) await owner.query(`drop role if exists ${role}`);
      await owner.close();
    }
    await environment.cleanup();
  });

  /** Creates a role with the given attributes through the owner connection, closed again (PGlite is single-user). */
  const createRole = async (attributes: string): Promise<string> => {
    const role = `companero_unsafe_${randomBytes(4).toString('hex')}`;
    strayRoles.push(role);
    const owner = await createDatabaseFromConfig(config, { role: 'owner' });
    try {
      await owner.query(`create role ${role} nologin ${attributes}`);
    } finally {
      await owner.close();
    }
    return role;
  };

  it('migrates on start, reports what it applied and wires every component from config', async () => {
    const reports: unknown[] = [];
    const runtime = await createRuntime(config, {
      migrate: true,
      onMigrated: (report) => reports.push(report),
    });
    try {
      expect(reports).toEqual([{ applied: allMigrations(), alreadyApplied: 0 }]);
      expect(runtime.database.kind).toBe(backend.usesPostgres ? 'postgres' : 'pglite');
      expect(runtime.cache.kind).toBe(backend.usesRedis ? 'redis' : 'in-process');
      expect(runtime.db.appRole).toBe(config.DATABASE_APP_ROLE);
      expect(Object.keys(runtime.readiness).sort()).toEqual(backend.usesRedis ? ['db', 'redis'] : ['db']);
      for (const check of Object.values(runtime.readiness)) await expect(check()).resolves.toBeUndefined();
      expect(runtime.secretBox.decrypt(runtime.secretBox.encrypt('whatsapp token'))).toBe('whatsapp token');
      const queues = await runtime.database.query("select 1 from pg_namespace where nspname = 'pgboss'");
      expect(queues.rows).toHaveLength(1);
    } finally {
      await runtime.close();
    }
  });

  it('starts without migrating on an already migrated database', async () => {
    const first = await createRuntime(config, { migrate: true });
    await first.close();
    const reports: unknown[] = [];
    const second = await createRuntime(config, { onMigrated: (report) => reports.push(report) });
    try {
      expect(reports).toEqual([]);
      const { rows } = await second.database.query<{ version: string }>(
        'select version from schema_migrations',
      );
      expect(rows.map((row) => row.version)).toEqual(loadMigrations().map((migration) => migration.version));
    } finally {
      await second.close();
    }
  });

  it('reports the database down in readiness once the runtime is closed', async () => {
    const runtime = await createRuntime(config, { migrate: true });
    await runtime.close();
    await expect(runtime.readiness.db!()).rejects.toThrow();
  });

  it('refuses to start when the application role can bypass row level security', async () => {
    await runMigrations(config);
    const role = await createRole('bypassrls');
    const message = await rejectionMessage(createRuntime({ ...config, DATABASE_APP_ROLE: role }));
    expect(message).toBe(`The application role "${role}" can bypass row level security; refusing to start.`);
  });

  it('refuses to start when the application role is a superuser', async () => {
    await runMigrations(config);
    const role = await createRole('superuser');
    const message = await rejectionMessage(createRuntime({ ...config, DATABASE_APP_ROLE: role }));
    expect(message).toMatch(/can bypass row level security; refusing to start/);
  });

  it('refuses to start on a database that was never migrated, pointing at the migrate command', async () => {
    const message = await rejectionMessage(createRuntime(config));
    expect(message).toBe(
      `The application role "${config.DATABASE_APP_ROLE}" does not exist: run \`companero db migrate\`.`,
    );
    // The refused start closed its database: a proper start on the same data works.
    const runtime = await createRuntime(config, { migrate: true });
    await runtime.close();
  });

  it('runs migrations on their own and then finds nothing left to apply', async () => {
    expect(await runMigrations(config)).toEqual({ applied: allMigrations(), alreadyApplied: 0 });
    expect(await runMigrations(config)).toEqual({ applied: [], alreadyApplied: allMigrations().length });
  });
});

describe('createRuntime without an encryption key', () => {
  let environment: TestEnvironment;
  afterAll(async () => environment?.cleanup());

  it('generates the embedded key on first start and finds it on the next', async () => {
    environment = await createTestEnvironment(backends()[0]!);
    const { APP_ENCRYPTION_KEY: _key, ...env } = environment.env;
    const config = loadConfig(env);
    const first = await createRuntime(config, { migrate: true });
    const ciphertext = first.secretBox.encrypt('telegram bot token');
    await first.close();
    expect(existsSync(join(config.DATA_DIR, 'secrets', 'encryption.key'))).toBe(true);
    const second = await createRuntime(config);
    try {
      expect(second.secretBox.decrypt(ciphertext)).toBe('telegram bot token');
    } finally {
      await second.close();
    }
  });
});
