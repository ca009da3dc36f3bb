import { randomBytes } from 'node:crypto';
import { installJobSchema } from '@companero/db/job-queue';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectAppRole, inspectTenantTables } from './rls-catalog';
import { openTestDatabase, type TestDatabase } from './test-database';

const knownTenantTables = [
  'audit_log',
  'creators',
  'member_login_codes',
  'members',
  'memberships',
  'refresh_tokens',
  'team_invitations',
];

describe.each(backends())('row level security catalog on $name', (backend) => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await openTestDatabase(backend);
    await installJobSchema(test.database, test.config.DATABASE_APP_ROLE);
  });
  afterAll(async () => test?.close());

  it('finds every known tenant table', async () => {
    const { tenantTables } = await inspectTenantTables(test.database);
    expect(tenantTables).toEqual(expect.arrayContaining(knownTenantTables));
    expect(tenantTables).not.toContain('accounts');
    expect(tenantTables).not.toContain('signing_keys');
  });

  it('has RLS enabled and forced, with a creator policy on USING and WITH CHECK, on every tenant table', async () => {
    const { findings } = await inspectTenantTables(test.database);
    expect(findings).toEqual([]);
  });

  it('runs the application as a role that is not superuser, not BYPASSRLS and owns no relation', async () => {
    const role = await inspectAppRole(test.database, test.config.DATABASE_APP_ROLE);
    expect(role).toEqual({ exists: true, isSuperuser: false, bypassesRls: false, ownedRelations: [] });
  });
});

describe.each(backends())('the catalog checker itself on $name', (backend) => {
  let throwaway: TestDatabase;
  const strayRoles: string[] = [];

  beforeAll(async () => {
    throwaway = await openTestDatabase(backend);
  });
  afterAll(async () => {
    for (const role of strayRoles) await throwaway?.database.query(`drop role if exists ${role}`);
    await throwaway?.close();
  });

  it('reports a tenant table added without RLS, without FORCE, or without a creator policy', async () => {
    await throwaway.database.exec(`
      create table leaky_notes (id uuid primary key, creator_id uuid not null, body text);

      create table unforced_notes (id uuid primary key, creator_id uuid not null);
      alter table unforced_notes enable row level security;
      create policy tenant_isolation on unforced_notes
        using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
        with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid);

      create table open_notes (id uuid primary key, creator_id uuid not null);
      alter table open_notes enable row level security;
      alter table open_notes force row level security;
      create policy everyone on open_notes using (true) with check (true);

      create table read_only_policy_notes (id uuid primary key, creator_id uuid not null);
      alter table read_only_policy_notes enable row level security;
      alter table read_only_policy_notes force row level security;
      create policy reads on read_only_policy_notes for select
        using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid);

      create table global_settings (key text primary key, value text);`);
    const { tenantTables, findings } = await inspectTenantTables(throwaway.database);
    expect(tenantTables).toEqual(
      expect.arrayContaining(['leaky_notes', 'unforced_notes', 'open_notes', 'read_only_policy_notes']),
    );
    expect(tenantTables).not.toContain('global_settings');
    const policyProblem = 'no policy on app.current_creator_id (USING and WITH CHECK)';
    expect(findings).toEqual([
      { table: 'leaky_notes', problem: 'row level security is not enabled' },
      { table: 'leaky_notes', problem: 'row level security is not forced' },
      { table: 'leaky_notes', problem: policyProblem },
      { table: 'open_notes', problem: policyProblem },
      { table: 'read_only_policy_notes', problem: policyProblem },
      { table: 'unforced_notes', problem: 'row level security is not forced' },
    ]);
  });

  it('reports an application role that owns a table', async () => {
    const appRole = throwaway.config.DATABASE_APP_ROLE;
    await throwaway.database.exec(
      `create table owned_by_app (id int); alter table owned_by_app owner to "${appRole}";`,
    );
    expect((await inspectAppRole(throwaway.database, appRole)).ownedRelations).toEqual([
      'public.owned_by_app',
    ]);
    await throwaway.database.exec('drop table owned_by_app');
  });

  it('reports a role that bypasses RLS or is a superuser', async () => {
    const bypassing = `companero_bypass_${randomBytes(4).toString('hex')}`;
    const superuser = `companero_super_${randomBytes(4).toString('hex')}`;
    strayRoles.push(bypassing, superuser);
    await throwaway.database.exec(
      `create role ${bypassing} nologin bypassrls; create role ${superuser} nologin superuser;`,
    );
    expect(await inspectAppRole(throwaway.database, bypassing)).toMatchObject({
      bypassesRls: true,
      isSuperuser: false,
    });
    expect(await inspectAppRole(throwaway.database, superuser)).toMatchObject({ isSuperuser: true });
    expect((await inspectAppRole(throwaway.database, 'companero_no_such_role')).exists).toBe(false);
  });
});
