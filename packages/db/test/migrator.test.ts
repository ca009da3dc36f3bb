import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseFromConfig } from '@companero/db/database-from-config';
import { loadMigrations, type Migration, migrate } from '@companero/db/migrator';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectAppRole } from './rls-catalog';
import { openTestDatabase, rejectionMessage, type TestDatabase } from './test-database';

const migrationOf = (version: string, name: string, sql: string): Migration => ({
  version,
  name,
  sql,
  checksum: createHash('sha256').update(sql).digest('hex'),
});

describe('loadMigrations', () => {
  it('reads NNNN_name.sql files in order with their SHA-256 checksums, ignoring other files', () => {
    const directory = mkdtempSync(join(tmpdir(), 'companero-migrations-'));
    try {
      writeFileSync(join(directory, '0002_second_step.sql'), 'select 2;');
      writeFileSync(join(directory, '0001_first.sql'), 'select 1;');
      writeFileSync(join(directory, 'README.md'), '# notes');
      writeFileSync(join(directory, '0003-Bad-Name.sql'), 'select 3;');
      expect(loadMigrations(directory)).toEqual([
        migrationOf('0001', 'first', 'select 1;'),
        migrationOf('0002', 'second_step', 'select 2;'),
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('ships the foundation migration', () => {
    expect(loadMigrations().map((migration) => `${migration.version}_${migration.name}`)).toContain(
      '0001_foundation',
    );
  });
});

describe.each(backends())('migrate on $name', (backend) => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await openTestDatabase(backend, { migrated: false });
  });
  afterAll(async () => test?.close());

  it('applies every migration once, then reports them already applied', async () => {
    const appRole = test.config.DATABASE_APP_ROLE;
    const all = loadMigrations();
    const first = await migrate(test.database, { appRole });
    expect(first).toEqual({
      applied: all.map((migration) => `${migration.version}_${migration.name}`),
      alreadyApplied: 0,
    });
    const second = await migrate(test.database, { appRole });
    expect(second).toEqual({ applied: [], alreadyApplied: all.length });
    const { rows } = await test.database.query<{ version: string; checksum: string }>(
      'select version, checksum from schema_migrations order by version',
    );
    expect(rows).toEqual(
      all.map((migration) => ({ version: migration.version, checksum: migration.checksum })),
    );
  });

  it('refuses to run when an applied migration was changed afterwards', async () => {
    const [foundation, ...rest] = loadMigrations();
    const edited = migrationOf(foundation!.version, foundation!.name, `${foundation!.sql}\n-- edited`);
    const message = await rejectionMessage(
      migrate(test.database, { appRole: test.config.DATABASE_APP_ROLE, migrations: [edited, ...rest] }),
    );
    expect(message).toBe('Migration 0001_foundation was changed after it was applied.');
  });

  it('rolls a failing migration back entirely and names it', async () => {
    const broken = migrationOf(
      '0900',
      'broken_step',
      'create table half_done (id int);\ninsert into no_such_table values (1);',
    );
    const message = await rejectionMessage(
      migrate(test.database, {
        appRole: test.config.DATABASE_APP_ROLE,
        migrations: [...loadMigrations(), broken],
      }),
    );
    expect(message).toMatch(/^Migration 0900_broken_step failed: .*no_such_table/);
    const tables = await test.database.query("select 1 from pg_tables where tablename = 'half_done'");
    expect(tables.rows).toHaveLength(0);
    const versions = await test.database.query<{ version: string }>('select version from schema_migrations');
    expect(versions.rows.map((row) => row.version)).not.toContain('0900');
    // The connection is usable again and a corrected migration applies.
    const fixed = migrationOf('0900', 'broken_step', 'create table half_done (id int);');
    const report = await migrate(test.database, {
      appRole: test.config.DATABASE_APP_ROLE,
      migrations: [...loadMigrations(), fixed],
    });
    expect(report.applied).toEqual(['0900_broken_step']);
  });

  it('creates the application role confined: no superuser, no BYPASSRLS, owning nothing', async () => {
    const role = await inspectAppRole(test.database, test.config.DATABASE_APP_ROLE);
    expect(role).toEqual({ exists: true, isSuperuser: false, bypassesRls: false, ownedRelations: [] });
  });

  it('grants the application role DML on the tables but nothing on schema_migrations', async () => {
    const { rows } = await test.database.query<{ members: boolean; accounts: boolean; migrations: boolean }>(
      `select has_table_privilege($1, 'members', 'select, insert, update, delete') as members,
              has_table_privilege($1, 'accounts', 'select, insert, update, delete') as accounts,
              has_table_privilege($1, 'schema_migrations', 'select') as migrations`,
      [test.config.DATABASE_APP_ROLE],
    );
    expect(rows[0]).toEqual({ members: true, accounts: true, migrations: false });
  });

  it('lets the migrating role switch to the application role', async () => {
    const appRole = test.config.DATABASE_APP_ROLE;
    const role = await test.database.transaction(async (tx) => {
      await tx.query("select set_config('role', $1, true)", [appRole]);
      return (await tx.query<{ current_user: string }>('select current_user')).rows[0]!.current_user;
    });
    expect(role).toBe(appRole);
  });
});

describe.each(backends().filter((backend) => backend.usesPostgres))(
  'concurrent migrate on $name',
  (backend) => {
    let test: TestDatabase;

    beforeAll(async () => {
      test = await openTestDatabase(backend, { migrated: false });
    });
    afterAll(async () => test?.close());

    it('serialises two migrators started at once: one applies, the other finds everything applied', async () => {
      const other = await createDatabaseFromConfig(test.config, { role: 'owner' });
      try {
        const appRole = test.config.DATABASE_APP_ROLE;
        const reports = await Promise.all([migrate(test.database, { appRole }), migrate(other, { appRole })]);
        const applied = reports.map((report) => report.applied.length).sort();
        expect(applied).toEqual([0, loadMigrations().length]);
        expect(reports.map((report) => report.alreadyApplied).sort()).toEqual([0, loadMigrations().length]);
      } finally {
        await other.close();
      }
    });

    it('lets replicas that start together all finish: their grants take turns instead of colliding', async () => {
      // Concurrent GRANTs on the same tables failed with "tuple concurrently updated" (or deadlocked).
      const owners = await Promise.all(
        Array.from({ length: 5 }, () => createDatabaseFromConfig(test.config, { role: 'owner' })),
      );
      try {
        const appRole = test.config.DATABASE_APP_ROLE;
        for (let round = 0; round < 3; round += 1) {
          const outcomes = await Promise.allSettled(owners.map((owner) => migrate(owner, { appRole })));
          const failures = outcomes.flatMap((outcome) =>
            outcome.status === 'rejected' ? [(outcome.reason as Error).message] : [],
          );
          expect(failures).toEqual([]);
        }
      } finally {
        await Promise.all(owners.map((owner) => owner.close()));
      }
    });
  },
);
