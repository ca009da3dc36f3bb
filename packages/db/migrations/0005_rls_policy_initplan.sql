-- Same tenancy rule, evaluated once per statement instead of once per row: wrapping the setting in a scalar
-- subquery makes PostgreSQL compute it as an InitPlan. On a scan of many rows (analytics rollups) the
-- per-row current_setting() call was the largest cost left. Every tenant_isolation policy is rewritten; new
-- tables use this form from the start.
do $$
declare
  p record;
  key_column text;
begin
  for p in select schemaname, tablename from pg_policies where schemaname = 'public' and policyname = 'tenant_isolation'
  loop
    key_column := case when p.tablename = 'creators' then 'id' else 'creator_id' end;
    execute format(
      $f$alter policy tenant_isolation on %I.%I
           using (%I = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))
           with check (%I = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))$f$,
      p.schemaname, p.tablename, key_column, key_column);
  end loop;
end $$;

alter policy account_memberships on memberships
  using (account_id = (select nullif(current_setting('app.current_account_id', true), '')::uuid));
alter policy account_memberships on creators
  using (exists (
    select 1 from memberships m
    where m.creator_id = creators.id
      and m.account_id = (select nullif(current_setting('app.current_account_id', true), '')::uuid)));
alter policy slug_lookup on creators
  using (slug = (select nullif(current_setting('app.lookup_creator_slug', true), '')));
