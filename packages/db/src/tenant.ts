import type { Database, Queryable } from './database';

declare const tenantBrand: unique symbol;
declare const appBrand: unique symbol;

/** A transaction scoped to one creator under row level security. Only `withTenant` makes one. */
export type TenantTx = Queryable & { readonly creatorId: string; readonly [tenantBrand]: true };

/** A transaction as the application role with no tenant set: global tables only (accounts, keys). */
export type AppTx = Queryable & { readonly [appBrand]: true };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type TenantDatabase = {
  database: Database;
  /** The NOSUPERUSER NOBYPASSRLS role every application transaction runs as. */
  appRole: string;
};

/**
 * Runs `work` in one transaction as the application role with `app.current_creator_id` set for this
 * transaction only (safe with pooled connections). Row level security then confines every statement to the
 * creator's rows, whatever the SQL says.
 */
export const withTenant = async <T>(
  db: TenantDatabase,
  creatorId: string,
  work: (tx: TenantTx) => Promise<T>,
): Promise<T> => {
  if (!uuidPattern.test(creatorId)) throw new Error('withTenant: creatorId must be a UUID');
  return db.database.transaction(async (tx) => {
    // set_config('role', …, true) is SET LOCAL ROLE: dropped at commit, so a pooled connection never keeps it.
    await tx.query(
      "select set_config('role', $1, true), set_config('app.current_creator_id', $2, true)",
      [db.appRole, creatorId],
    );
    return work(Object.assign(tx, { creatorId }) as TenantTx);
  });
};

/** Runs `work` as the application role with no tenant: tenant tables read as empty, global tables work. */
export const withAppRole = async <T>(db: TenantDatabase, work: (tx: AppTx) => Promise<T>): Promise<T> =>
  db.database.transaction(async (tx) => {
    await tx.query("select set_config('role', $1, true)", [db.appRole]);
    return work(tx as AppTx);
  });
