import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, Queryable } from './database';

// PGlite has one connection: a transaction opened inside another waits for it forever. PostgreSQL would hide
// the bug by taking a second pooled connection (and escaping the outer transaction). Both are refused here.
const openTransaction = new AsyncLocalStorage<true>();

const runOutermost = <T>(
  db: TenantDatabase,
  settings: Record<string, string>,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> => {
  if (openTransaction.getStore()) {
    throw new Error(
      'A tenant/app transaction was opened inside another one; pass the open transaction instead.',
    );
  }
  return openTransaction.run(true, () => db.database.transaction(work, { settings }));
};

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
  // set_config('role', …, true) is SET LOCAL ROLE: dropped at commit, so a pooled connection never keeps it.
  return runOutermost(db, { role: db.appRole, 'app.current_creator_id': creatorId }, async (tx) =>
    work(Object.assign(tx, { creatorId }) as TenantTx),
  );
};

export type AppScope = {
  /** Lets the transaction read this account's memberships (and their creators) across tenants. */
  accountId?: string;
  /** Lets the transaction read the one creator with this slug (public sign-in and widget endpoints). */
  creatorSlug?: string;
  /** Lets the transaction read the one channel connection with this id (provider webhooks). */
  channelConnectionId?: string;
  /** Lets the program scheduler read and delete every creator's due wake-ups (ids and times only). */
  programScheduler?: boolean;
};

/**
 * Runs `work` as the application role with no tenant: tenant tables read as empty, global tables work, and
 * the optional scope opens exactly the rows its policy names (see migration 0001).
 */
export const withAppRole = async <T>(
  db: TenantDatabase,
  work: (tx: AppTx) => Promise<T>,
  scope: AppScope = {},
): Promise<T> => {
  if (scope.accountId && !uuidPattern.test(scope.accountId))
    throw new Error('withAppRole: accountId must be a UUID');
  if (scope.channelConnectionId && !uuidPattern.test(scope.channelConnectionId))
    throw new Error('withAppRole: channelConnectionId must be a UUID');
  return runOutermost(
    db,
    {
      role: db.appRole,
      'app.current_account_id': scope.accountId ?? '',
      'app.lookup_creator_slug': scope.creatorSlug ?? '',
      'app.lookup_channel_connection': scope.channelConnectionId ?? '',
      'app.program_scheduler': scope.programScheduler ? 'sweep' : '',
    },
    async (tx) => work(tx as AppTx),
  );
};
