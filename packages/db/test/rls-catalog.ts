import type { Queryable } from '@companero/db/database';

export type RlsFinding = { table: string; problem: string };

/**
 * Reads the catalog for what ARCHITECTURE §4 requires of every tenant table (any table in `public` with a
 * creator_id column, plus `creators`): ENABLE and FORCE row level security and a policy whose USING and WITH
 * CHECK both use app.current_creator_id. Returns the tenant tables it found and what each one lacks.
 */
export const inspectTenantTables = async (
  queryable: Queryable,
): Promise<{ tenantTables: string[]; findings: RlsFinding[] }> => {
  const { rows } = await queryable.query<{
    table_name: string;
    is_enabled: boolean;
    is_forced: boolean;
    tenant_policies: number;
  }>(
    `select c.relname as table_name,
            c.relrowsecurity as is_enabled,
            c.relforcerowsecurity as is_forced,
            (select count(*)::int from pg_policies p
              where p.schemaname = 'public' and p.tablename = c.relname
                and p.qual like '%app.current_creator_id%'
                and p.with_check like '%app.current_creator_id%') as tenant_policies
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public'
        and c.relkind in ('r', 'p')
        and (c.relname = 'creators'
             or exists (select 1 from pg_attribute a
                         where a.attrelid = c.oid and a.attname = 'creator_id' and not a.attisdropped))
      order by c.relname`,
  );
  const findings: RlsFinding[] = [];
  for (const row of rows) {
    if (!row.is_enabled)
      findings.push({ table: row.table_name, problem: 'row level security is not enabled' });
    if (!row.is_forced) findings.push({ table: row.table_name, problem: 'row level security is not forced' });
    if (row.tenant_policies === 0) {
      findings.push({
        table: row.table_name,
        problem: 'no policy on app.current_creator_id (USING and WITH CHECK)',
      });
    }
  }
  return { tenantTables: rows.map((row) => row.table_name), findings };
};

/** What the application role must never be: a superuser, a BYPASSRLS role, or the owner of any relation. */
export const inspectAppRole = async (
  queryable: Queryable,
  appRole: string,
): Promise<{ exists: boolean; isSuperuser: boolean; bypassesRls: boolean; ownedRelations: string[] }> => {
  const { rows } = await queryable.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
    'select rolsuper, rolbypassrls from pg_roles where rolname = $1',
    [appRole],
  );
  const owned = await queryable.query<{ name: string }>(
    `select n.nspname || '.' || c.relname as name
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_roles r on r.oid = c.relowner
      where r.rolname = $1
      order by 1`,
    [appRole],
  );
  return {
    exists: rows.length === 1,
    isSuperuser: rows[0]?.rolsuper ?? false,
    bypassesRls: rows[0]?.rolbypassrls ?? false,
    ownedRelations: owned.rows.map((row) => row.name),
  };
};
