-- Foundation: creators (the tenants), accounts, team memberships, auth sessions, signing keys, audit log,
-- members and their one-time sign-in codes.
--
-- Tenancy (ARCHITECTURE §4): every table with creator_id has ENABLE + FORCE row level security and a policy on
-- app.current_creator_id, set per transaction by withTenant(). nullif() turns the '' a finished
-- transaction-scoped setting leaves behind into NULL, so "no tenant" means zero rows, never an error.
-- Two narrower scopes exist for the auth service, each one a policy too:
--   app.current_account_id  an account may read its own memberships (and those creators) across tenants;
--   app.lookup_creator_slug a public endpoint may read the one creator whose slug it names.

create function set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at = now();
  return new;
end $$;

create table creators (
  id uuid primary key,
  name text not null check (length(name) between 1 and 120),
  slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
  timezone text not null default 'UTC',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger creators_updated_at before update on creators for each row execute function set_updated_at();

create table accounts (
  id uuid primary key default gen_random_uuid(),
  email text not null check (length(email) <= 254),
  name text not null check (length(name) between 1 and 120),
  password_hash text not null,
  last_login_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index accounts_email_key on accounts (lower(email));
create trigger accounts_updated_at before update on accounts for each row execute function set_updated_at();

create table memberships (
  creator_id uuid not null references creators (id) on delete cascade,
  account_id uuid not null references accounts (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'editor', 'viewer')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (creator_id, account_id)
);
create index memberships_account_idx on memberships (account_id);
create trigger memberships_updated_at before update on memberships for each row execute function set_updated_at();

create table team_invitations (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  email text not null,
  role text not null check (role in ('owner', 'admin', 'editor', 'viewer')),
  token_hash text not null unique,
  invited_by uuid references accounts (id) on delete set null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index team_invitations_pending_key on team_invitations (creator_id, lower(email)) where accepted_at is null;

create table members (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  email text,
  phone text,
  name text,
  timezone text,
  locale text,
  attributes jsonb not null default '{}'::jsonb,
  tags text[] not null default '{}',
  notes text,
  last_seen_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index members_email_key on members (creator_id, lower(email)) where email is not null;
create unique index members_phone_key on members (creator_id, phone) where phone is not null;
create trigger members_updated_at before update on members for each row execute function set_updated_at();

create table member_login_codes (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  email text not null,
  code_hash text not null,
  attempts integer not null default 0,
  expires_at timestamptz not null,
  consumed_at timestamptz,
  created_at timestamptz not null default now()
);
create index member_login_codes_lookup_idx on member_login_codes (creator_id, lower(email), created_at desc);

create table refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  family_id uuid not null,
  token_hash text not null unique,
  subject_type text not null check (subject_type in ('account', 'member')),
  account_id uuid references accounts (id) on delete cascade,
  member_id uuid references members (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  check ((subject_type = 'account') = (account_id is not null)),
  check ((subject_type = 'member') = (member_id is not null))
);
create index refresh_tokens_family_idx on refresh_tokens (creator_id, family_id);
create index refresh_tokens_account_idx on refresh_tokens (account_id);

create table audit_log (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  actor_type text not null check (actor_type in ('account', 'member', 'system', 'anonymous')),
  actor_id uuid,
  action text not null,
  target_type text,
  target_id text,
  ip text,
  user_agent text,
  request_id text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index audit_log_creator_time_idx on audit_log (creator_id, created_at desc, id desc);
create index audit_log_actor_idx on audit_log (actor_id);

-- JWT signing keys are global: one issuer signs for every tenant. Private keys are AES-256-GCM ciphertext.
create table signing_keys (
  kid text primary key,
  algorithm text not null default 'RS256',
  public_jwk jsonb not null,
  private_key_ciphertext text not null,
  status text not null check (status in ('active', 'retired')),
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
create unique index signing_keys_one_active on signing_keys (status) where status = 'active';

-- Row level security -------------------------------------------------------------------------------------

alter table creators enable row level security;
alter table creators force row level security;
create policy tenant_isolation on creators
  using (id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
  with check (id = nullif(current_setting('app.current_creator_id', true), '')::uuid);
create policy account_memberships on creators for select
  using (exists (
    select 1 from memberships m
    where m.creator_id = creators.id
      and m.account_id = nullif(current_setting('app.current_account_id', true), '')::uuid));
create policy slug_lookup on creators for select
  using (slug = nullif(current_setting('app.lookup_creator_slug', true), ''));

alter table memberships enable row level security;
alter table memberships force row level security;
create policy tenant_isolation on memberships
  using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
  with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid);
create policy account_memberships on memberships for select
  using (account_id = nullif(current_setting('app.current_account_id', true), '')::uuid);

alter table team_invitations enable row level security;
alter table team_invitations force row level security;
create policy tenant_isolation on team_invitations
  using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
  with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid);

alter table members enable row level security;
alter table members force row level security;
create policy tenant_isolation on members
  using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
  with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid);

alter table member_login_codes enable row level security;
alter table member_login_codes force row level security;
create policy tenant_isolation on member_login_codes
  using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
  with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid);

alter table refresh_tokens enable row level security;
alter table refresh_tokens force row level security;
create policy tenant_isolation on refresh_tokens
  using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
  with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid);

alter table audit_log enable row level security;
alter table audit_log force row level security;
create policy tenant_isolation on audit_log
  using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
  with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid);
