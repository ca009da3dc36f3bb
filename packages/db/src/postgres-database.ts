import pg from 'pg';
import type { Database, QueryResult, Transaction } from './database';

export type PostgresOptions = {
  connectionString: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName?: string;
};

const toResult = <Row>(result: pg.QueryResult): QueryResult<Row> => ({
  rows: result.rows as Row[],
  rowCount: result.rowCount ?? result.rows.length,
});

// Identifiers, UUIDs and slugs: nothing that can close a string literal or start a comment.
const safeLiteral = /^[A-Za-z0-9_.-]*$/;

/** PostgreSQL through a node-postgres pool. Timeouts keep a dead server from hanging requests. */
export const createPostgresDatabase = (options: PostgresOptions): Database => {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName ?? 'companero',
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    async query<Row>(sql: string, params: unknown[] = []) {
      return toResult<Row>(await pool.query(sql, params));
    },
    async exec(sql) {
      const result = (await pool.query(sql)) as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(result)
        ? ([...result].reverse().find((entry) => entry.fields.length > 0) ?? result.at(-1))
        : result;
      return last ? toResult(last) : { rows: [], rowCount: 0 };
    },
    async transaction(work, options) {
      const client = await pool.connect();
      let isBroken = false;
      try {
        const settings = Object.entries(options?.settings ?? {});
        if (
          settings.length > 0 &&
          settings.every(([name, value]) => safeLiteral.test(name) && safeLiteral.test(value))
        ) {
          // One round trip for BEGIN and the settings (simple protocol, several statements). Inlining is safe:
          // only names and values made of these characters are ever inlined.
          await client.query(
            `begin; select ${settings.map(([name, value]) => `set_config('${name}', '${value}', true)`).join(', ')}`,
          );
        } else {
          await client.query('begin');
          if (settings.length > 0) {
            await client.query(
              `select ${settings.map((_, index) => `set_config($${index * 2 + 1}, $${index * 2 + 2}, true)`).join(', ')}`,
              settings.flat(),
            );
          }
        }
        const tx: Transaction = {
          async query<Row>(sql: string, params: unknown[] = []) {
            return toResult<Row>(await client.query(sql, params));
          },
          async exec(sql: string) {
            // No parameters: node-postgres uses the simple protocol, which runs several statements.
            await client.query(sql);
          },
        };
        const value = await work(tx);
        await client.query('commit');
        return value;
      } catch (error) {
        try {
          await client.query('rollback');
        } catch {
          isBroken = true;
        }
        throw error;
      } finally {
        client.release(isBroken);
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
};
