import { randomUUID } from 'node:crypto';
import { withAppRole, withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, rejectionMessage, type TestDatabase } from './test-database';

describe.each(backends())('withTenant and withAppRole on $name', (backend) => {
  let test: TestDatabase;
  let ownerRole: string;
  const creatorA = randomUUID();
  const creatorB = randomUUID();

  const memberNames = async (creatorId: string) =>
    (
      await test.database.query<{ name: string }>(
        'select name from members where creator_id = $1 order by name',
        [creatorId],
      )
    ).rows.map((row) => row.name);

  beforeAll(async () => {
    // One pooled connection on PostgreSQL, so "the next transaction" really reuses the same session.
    test = await openTestDatabase(backend, { env: { DATABASE_POOL_SIZE: '1' } });
    ownerRole = (await test.database.query<{ role: string }>('select current_user as role')).rows[0]!.role;
    for (const [id, slug] of [
      [creatorA, 'tenant-a'],
      [creatorB, 'tenant-b'],
    ] as const) {
      await test.database.query('insert into creators (id, name, slug) values ($1, $2, $2)', [id, slug]);
    }
  });
  afterAll(async () => test?.close());

  it('runs the work as the application role with the creator set for the transaction', async () => {
    const session = await withTenant(test.db, creatorA, async (tx) => {
      const { rows } = await tx.query<{ role: string; creator: string }>(
        "select current_user as role, current_setting('app.current_creator_id') as creator",
      );
      return { ...rows[0], txCreator: tx.creatorId };
    });
    expect(session).toEqual({ role: test.config.DATABASE_APP_ROLE, creator: creatorA, txCreator: creatorA });
  });

  it('leaves neither the role nor the creator on the connection after commit', async () => {
    await withTenant(test.db, creatorA, (tx) => tx.query('select 1'));
    const { rows } = await test.database.query<{ role: string; creator: string | null }>(
      "select current_user as role, current_setting('app.current_creator_id', true) as creator",
    );
    expect(rows[0]!.role).toBe(ownerRole);
    expect(rows[0]!.creator ?? '').toBe('');
  });

  it('reads zero rows, not an error, in the session a finished tenant transaction leaves behind', async () => {
    await withTenant(test.db, creatorA, (tx) =>
      tx.query("insert into members (creator_id, name) values ($1, 'Visible to A')", [creatorA]),
    );
    const rows = await withAppRole(test.db, async (tx) => (await tx.query('select * from members')).rows);
    expect(rows).toEqual([]);
  });

  it('commits the work of a tenant transaction', async () => {
    await withTenant(test.db, creatorB, (tx) =>
      tx.query("insert into members (creator_id, name) values ($1, 'Committed')", [creatorB]),
    );
    expect(await memberNames(creatorB)).toContain('Committed');
  });

  it('rolls back everything when the work throws, and rethrows the error', async () => {
    const message = await rejectionMessage(
      withTenant(test.db, creatorB, async (tx) => {
        await tx.query("insert into members (creator_id, name) values ($1, 'Rolled back')", [creatorB]);
        throw new Error('the service changed its mind');
      }),
    );
    expect(message).toBe('the service changed its mind');
    expect(await memberNames(creatorB)).not.toContain('Rolled back');
  });

  it('rolls back after a failed statement and keeps the connection usable', async () => {
    const message = await rejectionMessage(
      withTenant(test.db, creatorB, async (tx) => {
        await tx.query("insert into members (creator_id, name) values ($1, 'Before failure')", [creatorB]);
        await tx.query('select * from no_such_table');
      }),
    );
    expect(message).toMatch(/no_such_table/);
    expect(await memberNames(creatorB)).not.toContain('Before failure');
    const count = await withTenant(
      test.db,
      creatorB,
      async (tx) => (await tx.query('select * from members')).rows.length,
    );
    expect(count).toBeGreaterThan(0);
  });

  it('rejects a creator id that is not a UUID before touching the database', async () => {
    for (const creatorId of ['', 'creator-a', `${creatorA}' or '1'='1`]) {
      expect(await rejectionMessage(withTenant(test.db, creatorId, async () => 1))).toBe(
        'withTenant: creatorId must be a UUID',
      );
    }
  });

  it('refuses a tenant transaction opened inside another one, and the outer one still commits', async () => {
    const nested = await withTenant(test.db, creatorA, async (tx) => {
      const inner = await rejectionMessage(
        withTenant(test.db, creatorB, (innerTx) => innerTx.query('select 1')),
      );
      const innerApp = await rejectionMessage(withAppRole(test.db, (innerTx) => innerTx.query('select 1')));
      await tx.query("insert into members (creator_id, name) values ($1, 'Outer survives')", [creatorA]);
      return [inner, innerApp];
    });
    expect(nested).toEqual([
      'A tenant/app transaction was opened inside another one; pass the open transaction instead.',
      'A tenant/app transaction was opened inside another one; pass the open transaction instead.',
    ]);
    expect(await memberNames(creatorA)).toContain('Outer survives');
  });

  it('refuses a tenant transaction opened inside an application-role one', async () => {
    const message = await withAppRole(test.db, async () =>
      rejectionMessage(withTenant(test.db, creatorA, (tx) => tx.query('select 1'))),
    );
    expect(message).toMatch(/opened inside another one/);
  });

  it('allows transactions one after another once the previous one ended', async () => {
    const first = await withTenant(test.db, creatorA, async (tx) => tx.creatorId);
    const second = await withTenant(test.db, creatorB, async (tx) => tx.creatorId);
    expect([first, second]).toEqual([creatorA, creatorB]);
  });

  it('keeps two tenants apart when their transactions run at the same time', async () => {
    const readOwn = (creatorId: string) =>
      withTenant(test.db, creatorId, async (tx) => {
        const { rows } = await tx.query<{ creator_id: string }>('select creator_id::text from members');
        return [...new Set(rows.map((row) => row.creator_id))];
      });
    const results = await Promise.all([
      readOwn(creatorA),
      readOwn(creatorB),
      readOwn(creatorA),
      readOwn(creatorB),
    ]);
    expect(results).toEqual([[creatorA], [creatorB], [creatorA], [creatorB]]);
  });
});
