import { mkdirSync } from 'node:fs';
import { PGlite, type Results } from '@electric-sql/pglite';
import type { Database, QueryResult } from './database';

const toResult = <Row>(result: Results<Row>): QueryResult<Row> => ({
  rows: result.rows,
  rowCount: result.affectedRows || result.rows.length,
});

/**
 * PostgreSQL in WebAssembly, one connection per process. PGlite runs one statement or one transaction at a
 * time (its own mutex), so concurrent requests queue rather than interleave inside each other's transactions.
 */
export const createPgliteDatabase = async (dataDir: string | undefined): Promise<Database> => {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir ? { dataDir } : {});
  let isClosed = false;
  return {
    kind: 'pglite',
    async query<Row>(sql: string, params: unknown[] = []) {
      return toResult(await pg.query<Row>(sql, params));
    },
    async exec(sql) {
      const results = await pg.exec(sql);
      // pg-boss reads the rows of the statement that returns them, not those of a trailing COMMIT.
      const withRows = [...results].reverse().find((result) => result.fields.length > 0) ?? results.at(-1);
      return withRows ? toResult(withRows as Results<Record<string, unknown>>) : { rows: [], rowCount: 0 };
    },
    async transaction(work, options) {
      return pg.transaction(async (tx) => {
        const settings = Object.entries(options?.settings ?? {});
        if (settings.length > 0) {
          await tx.query(
            `select ${settings.map((_, index) => `set_config($${index * 2 + 1}, $${index * 2 + 2}, true)`).join(', ')}`,
            settings.flat(),
          );
        }
        return work({
          async query<Row>(sql: string, params: unknown[] = []) {
            return toResult(await tx.query<Row>(sql, params));
          },
          async exec(sql: string) {
            await tx.exec(sql);
          },
        });
      });
    },
    async ping() {
      if (isClosed) throw new Error('PGlite is closed');
      await pg.query('select 1');
    },
    async close() {
      if (isClosed) return;
      isClosed = true;
      await pg.close();
    },
  };
};
