import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '@companero/db/database';
import { withAppRole, withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, rejectionMessage, type TestDatabase } from './test-database';

type Tenant = {
  creatorId: string;
  slug: string;
  /** Owner of the creator: the account-scope tests look at its memberships. */
  accountId: string;
  /** An account with no membership, referenced by the rows the tests try to insert. */
  spareAccountId: string;
  memberId: string;
};

/** How each tenant table is written to: a new row for a creator, and a harmless change to a row. */
type TenantTable = {
  table: string;
  /** The column RLS keys on: creator_id, or id for creators themselves. */
  tenantColumn: 'creator_id' | 'id';
  change: string;
  newRow?: (creatorId: string, other: Tenant) => { sql: string; params: unknown[] };
};

const token = () => randomBytes(16).toString('hex');

const tenantTables: TenantTable[] = [
  { table: 'creators', tenantColumn: 'id', change: "name = 'Hijacked'" },
  {
    table: 'memberships',
    tenantColumn: 'creator_id',
    change: "role = 'viewer'",
    newRow: (creatorId, other) => ({
      sql: "insert into memberships (creator_id, account_id, role) values ($1, $2, 'admin')",
      params: [creatorId, other.spareAccountId],
    }),
  },
  {
    table: 'team_invitations',
    tenantColumn: 'creator_id',
    change: "email = 'attacker@example.com'",
    newRow: (creatorId) => ({
      sql: `insert into team_invitations (creator_id, email, role, token_hash, expires_at)
            values ($1, $2, 'owner', $3, now() + interval '1 day')`,
      params: [creatorId, `${token()}@example.com`, token()],
    }),
  },
  {
    table: 'members',
    tenantColumn: 'creator_id',
    change: "name = 'Hijacked'",
    newRow: (creatorId) => ({
      sql: 'insert into members (creator_id, email, name) values ($1, $2, $3)',
      params: [creatorId, `${token()}@example.com`, 'Planted'],
    }),
  },
  {
    table: 'member_login_codes',
    tenantColumn: 'creator_id',
    change: 'attempts = attempts + 1',
    newRow: (creatorId) => ({
      sql: `insert into member_login_codes (creator_id, email, code_hash, expires_at)
            values ($1, 'someone@example.com', $2, now() + interval '10 minutes')`,
      params: [creatorId, token()],
    }),
  },
  {
    table: 'refresh_tokens',
    tenantColumn: 'creator_id',
    change: 'revoked_at = now()',
    newRow: (creatorId, other) => ({
      sql: `insert into refresh_tokens (creator_id, family_id, token_hash, subject_type, account_id, expires_at)
            values ($1, $2, $3, 'account', $4, now() + interval '30 days')`,
      params: [creatorId, randomUUID(), token(), other.spareAccountId],
    }),
  },
  {
    table: 'audit_log',
    tenantColumn: 'creator_id',
    change: "action = 'tampered'",
    newRow: (creatorId) => ({
      sql: "insert into audit_log (creator_id, actor_type, action) values ($1, 'system', 'planted')",
      params: [creatorId],
    }),
  },
];

const insertableTables = tenantTables.filter((spec) => spec.newRow);

/** Arranges one creator with a row in every tenant table, as the owner (behind RLS's back). */
const seedTenant = async (owner: Queryable, name: string): Promise<Tenant> => {
  const tenant: Tenant = {
    creatorId: randomUUID(),
    slug: `${name}-${randomBytes(3).toString('hex')}`,
    accountId: randomUUID(),
    spareAccountId: randomUUID(),
    memberId: randomUUID(),
  };
  const { creatorId, accountId, memberId } = tenant;
  await owner.query('insert into creators (id, name, slug) values ($1, $2, $3)', [
    creatorId,
    name,
    tenant.slug,
  ]);
  await owner.query("insert into accounts (id, email, name, password_hash) values ($1, $2, $3, 'x')", [
    accountId,
    `${name}-${token()}@example.com`,
    name,
  ]);
  await owner.query("insert into accounts (id, email, name, password_hash) values ($1, $2, $3, 'x')", [
    tenant.spareAccountId,
    `${name}-spare-${token()}@example.com`,
    `${name} spare`,
  ]);
  await owner.query("insert into memberships (creator_id, account_id, role) values ($1, $2, 'owner')", [
    creatorId,
    accountId,
  ]);
  await owner.query(
    `insert into team_invitations (creator_id, email, role, token_hash, invited_by, expires_at)
     values ($1, $2, 'editor', $3, $4, now() + interval '7 days')`,
    [creatorId, `invitee-${token()}@example.com`, token(), accountId],
  );
  await owner.query('insert into members (id, creator_id, email, name) values ($1, $2, $3, $4)', [
    memberId,
    creatorId,
    `member-${token()}@example.com`,
    `${name} member`,
  ]);
  await owner.query(
    `insert into member_login_codes (creator_id, email, code_hash, expires_at)
     values ($1, 'member@example.com', $2, now() + interval '10 minutes')`,
    [creatorId, token()],
  );
  await owner.query(
    `insert into refresh_tokens (creator_id, family_id, token_hash, subject_type, member_id, expires_at)
     values ($1, $2, $3, 'member', $4, now() + interval '30 days')`,
    [creatorId, randomUUID(), token(), memberId],
  );
  await owner.query(
    "insert into audit_log (creator_id, actor_type, actor_id, action) values ($1, 'account', $2, 'creator.created')",
    [creatorId, accountId],
  );
  return tenant;
};

describe.each(backends())('tenant isolation on $name', (backend) => {
  let test: TestDatabase;
  let tenantA: Tenant;
  let tenantB: Tenant;

  /** Every row of A in a table, read as the owner, to prove nothing of A changed. */
  const snapshotOfA = async (spec: TenantTable) =>
    (
      await test.database.query<{ row: string }>(
        `select row_to_json(t)::text as row from ${spec.table} t where ${spec.tenantColumn} = $1 order by 1`,
        [tenantA.creatorId],
      )
    ).rows.map((row) => row.row);

  const ownerCount = async (table: string) =>
    Number(
      (await test.database.query<{ count: number }>(`select count(*)::int as count from ${table}`)).rows[0]!
        .count,
    );

  beforeAll(async () => {
    test = await openTestDatabase(backend);
    tenantA = await seedTenant(test.database, 'alpha');
    tenantB = await seedTenant(test.database, 'beta');
  });
  afterAll(async () => test?.close());

  describe.each(tenantTables)('$table', (spec) => {
    it("lets tenant B read its own rows and none of A's", async () => {
      const seen = await withTenant(test.db, tenantB.creatorId, async (tx) => {
        const ofA = await tx.query(`select * from ${spec.table} where ${spec.tenantColumn} = $1`, [
          tenantA.creatorId,
        ]);
        const all = await tx.query<{ tenant: string }>(
          `select ${spec.tenantColumn}::text as tenant from ${spec.table}`,
        );
        return { ofA: ofA.rows.length, tenants: [...new Set(all.rows.map((row) => row.tenant))] };
      });
      expect(seen).toEqual({ ofA: 0, tenants: [tenantB.creatorId] });
    });

    it("updates and deletes none of A's rows from tenant B", async () => {
      const before = await snapshotOfA(spec);
      expect(before.length).toBeGreaterThan(0);
      const affected = await withTenant(test.db, tenantB.creatorId, async (tx) => {
        const updated = await tx.query(
          `update ${spec.table} set ${spec.change} where ${spec.tenantColumn} = $1`,
          [tenantA.creatorId],
        );
        const updatedAll = await tx.query(
          `update ${spec.table} set ${spec.change} where ${spec.tenantColumn} <> $1`,
          [tenantB.creatorId],
        );
        const deleted = await tx.query(`delete from ${spec.table} where ${spec.tenantColumn} = $1`, [
          tenantA.creatorId,
        ]);
        return [updated.rowCount, updatedAll.rowCount, deleted.rowCount];
      });
      expect(affected).toEqual([0, 0, 0]);
      expect(await snapshotOfA(spec)).toEqual(before);
    });

    it("refuses to move one of B's rows over to A", async () => {
      const message = await rejectionMessage(
        withTenant(test.db, tenantB.creatorId, (tx) =>
          tx.query(`update ${spec.table} set ${spec.tenantColumn} = $1 where ${spec.tenantColumn} = $2`, [
            tenantA.creatorId,
            tenantB.creatorId,
          ]),
        ),
      );
      expect(message).toMatch(/row-level security/);
    });

    it('reads as empty to the application role without a tenant', async () => {
      expect(await ownerCount(spec.table)).toBeGreaterThanOrEqual(2);
      const count = await withAppRole(
        test.db,
        async (tx) => (await tx.query(`select * from ${spec.table}`)).rows.length,
      );
      expect(count).toBe(0);
    });
  });

  describe.each(insertableTables)('$table insert', (spec) => {
    it('refuses a row for creator A inserted inside tenant B', async () => {
      const before = await snapshotOfA(spec);
      const row = spec.newRow!(tenantA.creatorId, tenantB);
      const message = await rejectionMessage(
        withTenant(test.db, tenantB.creatorId, (tx) => tx.query(row.sql, row.params)),
      );
      expect(message).toMatch(/new row violates row-level security policy/);
      expect(await snapshotOfA(spec)).toEqual(before);
    });

    it('accepts a row for its own creator inside the tenant', async () => {
      const row = spec.newRow!(tenantB.creatorId, tenantA);
      const inserted = await withTenant(test.db, tenantB.creatorId, (tx) => tx.query(row.sql, row.params));
      expect(inserted.rowCount).toBe(1);
    });

    it('refuses any insert from the application role without a tenant', async () => {
      const row = spec.newRow!(tenantA.creatorId, tenantB);
      const message = await rejectionMessage(withAppRole(test.db, (tx) => tx.query(row.sql, row.params)));
      expect(message).toMatch(/row-level security/);
    });
  });

  it('refuses a new creator row other than the current tenant', async () => {
    const message = await rejectionMessage(
      withTenant(test.db, tenantB.creatorId, (tx) =>
        tx.query("insert into creators (id, name, slug) values ($1, 'Intruder', $2)", [
          randomUUID(),
          `intruder-${token()}`,
        ]),
      ),
    );
    expect(message).toMatch(/new row violates row-level security policy/);
  });

  it('lets tenant B change its own rows', async () => {
    const updated = await withTenant(test.db, tenantB.creatorId, (tx) =>
      tx.query("update members set name = 'Renamed' where creator_id = $1", [tenantB.creatorId]),
    );
    expect(updated.rowCount).toBeGreaterThanOrEqual(1);
  });

  describe('application role scopes', () => {
    it('reads global tables without a tenant', async () => {
      const accounts = await withAppRole(
        test.db,
        async (tx) =>
          (
            await tx.query<{ id: string }>('select id from accounts where id = any($1::uuid[])', [
              [tenantA.accountId, tenantB.accountId],
            ])
          ).rows,
      );
      expect(accounts).toHaveLength(2);
    });

    it("exposes only the named account's memberships and their creators", async () => {
      const seen = await withAppRole(
        test.db,
        async (tx) => ({
          memberships: (
            await tx.query<{ creator_id: string; account_id: string }>(
              'select creator_id, account_id from memberships',
            )
          ).rows,
          creators: (await tx.query<{ id: string }>('select id from creators')).rows.map((row) => row.id),
          members: (await tx.query('select * from members')).rows.length,
          invitations: (await tx.query('select * from team_invitations')).rows.length,
        }),
        { accountId: tenantA.accountId },
      );
      expect(seen).toEqual({
        memberships: [{ creator_id: tenantA.creatorId, account_id: tenantA.accountId }],
        creators: [tenantA.creatorId],
        members: 0,
        invitations: 0,
      });
    });

    it('keeps the account scope read-only', async () => {
      const affected = await withAppRole(
        test.db,
        async (tx) => [
          (
            await tx.query("update memberships set role = 'viewer' where account_id = $1", [
              tenantA.accountId,
            ])
          ).rowCount,
          (await tx.query("update creators set name = 'Renamed' where id = $1", [tenantA.creatorId]))
            .rowCount,
          (await tx.query('delete from memberships where account_id = $1', [tenantA.accountId])).rowCount,
        ],
        { accountId: tenantA.accountId },
      );
      expect(affected).toEqual([0, 0, 0]);
    });

    it('exposes only the creator with the named slug', async () => {
      const seen = await withAppRole(
        test.db,
        async (tx) => ({
          creators: (await tx.query<{ id: string; slug: string }>('select id, slug from creators')).rows,
          memberships: (await tx.query('select * from memberships')).rows.length,
        }),
        { creatorSlug: tenantB.slug },
      );
      expect(seen).toEqual({ creators: [{ id: tenantB.creatorId, slug: tenantB.slug }], memberships: 0 });
    });

    it('exposes nothing for a slug that does not exist', async () => {
      const count = await withAppRole(
        test.db,
        async (tx) => (await tx.query('select * from creators')).rows.length,
        {
          creatorSlug: 'no-such-creator',
        },
      );
      expect(count).toBe(0);
    });

    it('refuses an account scope that is not a UUID', async () => {
      expect(await rejectionMessage(withAppRole(test.db, async () => 1, { accountId: "' or true --" }))).toBe(
        'withAppRole: accountId must be a UUID',
      );
    });

    it('denies the application role the migration bookkeeping', async () => {
      const message = await rejectionMessage(
        withAppRole(test.db, (tx) => tx.query('select * from schema_migrations')),
      );
      expect(message).toMatch(/permission denied/);
    });
  });
});
