-- Programs: drafts edited in the dashboard, immutable published versions, one durable state machine per
-- enrollment with every step recorded, the proactive sending rules, and the wake-up index the scheduler sweeps.

create table programs (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  name text not null,
  description text,
  -- The draft graph (validated against the shared zod schema on write) and its edit counter (optimistic locks).
  draft jsonb not null,
  revision integer not null default 1,
  latest_version integer,
  -- The draft revision that latest_version was published from: unpublished changes = revision <> this.
  published_revision integer,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index programs_creator_idx on programs (creator_id, updated_at desc);
create trigger programs_updated_at before update on programs for each row execute function set_updated_at();

create table program_versions (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  program_id uuid not null references programs (id) on delete cascade,
  version integer not null,
  graph jsonb not null,
  published_by uuid,
  published_at timestamptz not null default now(),
  unique (program_id, version)
);

create table program_enrollments (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  program_id uuid not null references programs (id) on delete cascade,
  version_id uuid not null references program_versions (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  status text not null default 'active' check (status in ('active', 'waiting', 'completed', 'exited', 'failed')),
  current_node_id text,
  -- Each executed step bumps seq; a step job carries the seq it was made for, so a replayed job is a no-op.
  seq integer not null default 0,
  waiting_for text check (waiting_for in ('reply', 'time')),
  wake_at timestamptz,
  -- Answers kept by ask nodes ({{answers.NAME}}), the last reply, and anything later steps need.
  context jsonb not null default '{}'::jsonb,
  source text not null default 'manual',
  exit_reason text,
  enrolled_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);
-- One running enrollment per member and program.
create unique index program_enrollments_running_key on program_enrollments (program_id, member_id)
  where status in ('active', 'waiting');
create index program_enrollments_program_idx on program_enrollments (creator_id, program_id, enrolled_at desc);
create index program_enrollments_waiting_reply_idx on program_enrollments (creator_id, member_id)
  where status = 'waiting' and waiting_for = 'reply';
create trigger program_enrollments_updated_at before update on program_enrollments
  for each row execute function set_updated_at();

-- Every step, send and skip, with why (detail: reason, message id, branch taken, channel, error).
create table program_steps (
  id bigint generated always as identity primary key,
  creator_id uuid not null references creators (id) on delete cascade,
  enrollment_id uuid not null references program_enrollments (id) on delete cascade,
  version_id uuid not null references program_versions (id) on delete cascade,
  seq integer not null,
  node_id text not null,
  node_type text not null,
  outcome text not null check (outcome in ('entered', 'completed', 'waiting', 'deferred', 'skipped', 'failed', 'exited')),
  detail jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index program_steps_enrollment_idx on program_steps (creator_id, enrollment_id, id);
create index program_steps_version_idx on program_steps (creator_id, version_id, node_id, outcome);

-- The creator's proactive rules (ProactiveSettings in packages/contracts); absent = the defaults.
create table proactive_settings (
  creator_id uuid primary key references creators (id) on delete cascade,
  settings jsonb not null default '{}'::jsonb,
  -- Signs program webhook calls (encrypted with the secret box; shown to the creator once when rotated).
  webhook_secret text,
  updated_at timestamptz not null default now()
);

-- Proactive messages actually handed to the outbox, by member-local day: the frequency cap counts these.
create table proactive_sends (
  id bigint generated always as identity primary key,
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  local_day date not null,
  message_id uuid,
  source text not null,
  created_at timestamptz not null default now()
);
create index proactive_sends_member_day_idx on proactive_sends (creator_id, member_id, local_day);

-- Each occurrence of a scheduled or date trigger enrolls a member at most once.
create table program_trigger_occurrences (
  creator_id uuid not null references creators (id) on delete cascade,
  program_id uuid not null references programs (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  occurrence text not null,
  created_at timestamptz not null default now(),
  primary key (creator_id, program_id, member_id, occurrence)
);

alter table members add column unsubscribed_at timestamptz;

do $$
declare
  t text;
begin
  foreach t in array array['programs', 'program_versions', 'program_enrollments', 'program_steps',
                           'proactive_settings', 'proactive_sends', 'program_trigger_occurrences']
  loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))
      with check (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))$p$, t);
  end loop;
end $$;

-- When an enrollment's timed wait is due: ids and times only (no member data). Tenant-isolated like the rest;
-- the scheduler's sweep scope (app.program_scheduler = 'sweep', set by withAppRole's scheduler scope) may read and
-- delete due rows of every creator in one indexed query, then runs each step in its own creator's scope.
create table program_wakeups (
  enrollment_id uuid primary key references program_enrollments (id) on delete cascade,
  creator_id uuid not null references creators (id) on delete cascade,
  seq integer not null,
  due_at timestamptz not null
);
create index program_wakeups_due_idx on program_wakeups (due_at);
alter table program_wakeups enable row level security;
alter table program_wakeups force row level security;
create policy tenant_isolation on program_wakeups
  using (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))
  with check (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid));
create policy scheduler_sweep_select on program_wakeups for select
  using ((select current_setting('app.program_scheduler', true)) = 'sweep');
create policy scheduler_sweep_delete on program_wakeups for delete
  using ((select current_setting('app.program_scheduler', true)) = 'sweep');
