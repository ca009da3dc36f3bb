/** Rows and count of one statement, the shape both PGlite and node-postgres return. */
export type QueryResult<Row> = { rows: Row[]; rowCount: number };

/** Anything that runs one parameterised statement: the database itself or an open transaction. */
export type Queryable = {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
};

/** An open transaction: parameterised statements, plus parameterless scripts (migrations). */
export type Transaction = Queryable & { exec(sql: string): Promise<void> };

/**
 * The SQL source of truth, PGlite (embedded) or PostgreSQL (`DATABASE_URL`). Only `packages/db` touches it
 * directly; services get transactions from `withTenant` / `withAppRole`.
 */
export type Database = Queryable & {
  kind: 'pglite' | 'postgres';
  /** Runs a script of several statements without parameters (migrations, pg-boss DDL). */
  exec(sql: string): Promise<QueryResult<Record<string, unknown>>>;
  /**
   * Runs `work` in a transaction. `settings` are transaction-scoped configuration parameters
   * (set_config(name, value, true)) applied before `work`, in the same round trip as BEGIN where possible.
   */
  transaction<T>(
    work: (tx: Transaction) => Promise<T>,
    options?: { settings?: Record<string, string> },
  ): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
};
