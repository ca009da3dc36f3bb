import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@companero/core/config/load-config';
import { isDatabaseUnavailable } from '@companero/core/http/unavailable';
import { createDatabaseFromConfig } from '@companero/db/database-from-config';
import { createPgliteDatabase } from '@companero/db/pglite-database';
import { createPostgresDatabase } from '@companero/db/postgres-database';
import { backends, createTestEnvironment } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, rejectionMessage, type TestDatabase } from './test-database';

describe.each(backends())('Database on $name', (backend) => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await openTestDatabase(backend, { migrated: false });
    await test.database.exec('create table notes (id int primary key, body text not null)');
  });
  afterAll(async () => test?.close());

  it('is the PostgreSQL server with DATABASE_URL and PGlite in DATA_DIR/pg without', () => {
    expect(test.database.kind).toBe(backend.usesPostgres ? 'postgres' : 'pglite');
    expect(existsSync(join(test.config.DATA_DIR, 'pg'))).toBe(!backend.usesPostgres);
  });

  it('runs parameterised statements and counts the rows they touch', async () => {
    const inserted = await test.database.query('insert into notes (id, body) values ($1, $2), ($3, $4)', [
      1,
      'first',
      2,
      "it's second",
    ]);
    expect(inserted.rowCount).toBe(2);
    const selected = await test.database.query<{ id: number; body: string }>(
      'select id, body from notes order by id',
    );
    expect(selected).toEqual({
      rows: [
        { id: 1, body: 'first' },
        { id: 2, body: "it's second" },
      ],
      rowCount: 2,
    });
    const updated = await test.database.query("update notes set body = 'none' where id = 99");
    expect(updated.rowCount).toBe(0);
  });

  it('passes parameters as values, never as SQL', async () => {
    const { rows } = await test.database.query<{ body: string }>('select body from notes where body = $1', [
      "x' or '1'='1",
    ]);
    expect(rows).toEqual([]);
  });

  it('runs a script of several statements and returns the rows of the one that returns rows', async () => {
    const result = await test.database.exec(`
      insert into notes (id, body) values (10, 'ten'), (11, 'eleven');
      select id from notes where id >= 10 order by id;
      update notes set body = upper(body) where id >= 10;`);
    expect(result.rows).toEqual([{ id: 10 }, { id: 11 }]);
    const locked = await test.database.exec('begin; select count(*)::int as count from notes; commit;');
    expect(locked.rows).toEqual([{ count: 4 }]);
  });

  it('returns no rows for a script without a query', async () => {
    const result = await test.database.exec('create index notes_body_idx on notes (body)');
    expect(result.rows).toEqual([]);
  });

  it('commits a transaction and returns the value of its work', async () => {
    const value = await test.database.transaction(async (tx) => {
      await tx.query('insert into notes (id, body) values ($1, $2)', [20, 'in a transaction']);
      return (await tx.query<{ count: number }>('select count(*)::int as count from notes')).rows[0]!.count;
    });
    expect(value).toBe(5);
    expect((await test.database.query('select 1 from notes where id = 20')).rows).toHaveLength(1);
  });

  it('rolls a transaction back when its work throws', async () => {
    const message = await rejectionMessage(
      test.database.transaction(async (tx) => {
        await tx.query('insert into notes (id, body) values ($1, $2)', [30, 'never kept']);
        throw new Error('abort');
      }),
    );
    expect(message).toBe('abort');
    expect((await test.database.query('select 1 from notes where id = 30')).rows).toHaveLength(0);
  });

  it('answers ping while open and rejects it once closed', async () => {
    await expect(test.database.ping()).resolves.toBeUndefined();
    const own = await createDatabaseFromConfig(test.config, { role: 'owner' });
    await own.ping();
    await own.close();
    await expect(own.ping()).rejects.toThrow();
  });
});

describe.each(backends().filter((backend) => backend.usesPostgres))(
  'PostgreSQL settings on $name',
  (backend) => {
    it('cancels a statement that runs past DATABASE_STATEMENT_TIMEOUT_MS', async () => {
      const test = await openTestDatabase(backend, {
        migrated: false,
        env: { DATABASE_STATEMENT_TIMEOUT_MS: '200' },
      });
      try {
        const message = await rejectionMessage(test.database.query('select pg_sleep(2)'));
        expect(message).toMatch(/statement timeout/);
      } finally {
        await test.close();
      }
    });

    it('migrates through DATABASE_OWNER_URL and serves the application through DATABASE_URL', async () => {
      const environment = await createTestEnvironment(backend);
      try {
        const config = loadConfig({
          ...environment.env,
          DATABASE_OWNER_URL: environment.env.DATABASE_URL!,
          DATABASE_URL: 'postgres://nobody@127.0.0.1:1/companero',
          DATABASE_CONNECT_TIMEOUT_MS: '500',
        });
        const owner = await createDatabaseFromConfig(config, { role: 'owner' });
        const app = await createDatabaseFromConfig(config);
        try {
          await expect(owner.ping()).resolves.toBeUndefined();
          const failure = await app.ping().then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(isDatabaseUnavailable(failure)).toBe(true);
        } finally {
          await owner.close();
          await app.close();
        }
      } finally {
        await environment.cleanup();
      }
    });
  },
);

describe('an unreachable PostgreSQL server', () => {
  const unreachable = () =>
    createPostgresDatabase({
      connectionString: 'postgres://companero@127.0.0.1:1/companero',
      poolSize: 1,
      connectTimeoutMs: 500,
      statementTimeoutMs: 1000,
    });

  it('fails queries with an error the HTTP kit renders as 503', async () => {
    const database = unreachable();
    try {
      const failure = await database.query('select 1').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(failure)).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('fails a transaction before running its work', async () => {
    const database = unreachable();
    let didRun = false;
    try {
      const failure = await database
        .transaction(async () => {
          didRun = true;
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(isDatabaseUnavailable(failure)).toBe(true);
      expect(didRun).toBe(false);
    } finally {
      await database.close();
    }
  });
});

describe('PGlite without a data directory', () => {
  it('runs in memory and closes only once', async () => {
    const database = await createPgliteDatabase(undefined);
    expect((await database.query<{ answer: number }>('select 6 * 7 as answer')).rows).toEqual([
      { answer: 42 },
    ]);
    await database.close();
    await database.close();
    await expect(database.ping()).rejects.toThrow('PGlite is closed');
  });
});
