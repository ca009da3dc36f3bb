-- Habits and gamification: habit templates a creator offers, members' adoptions, one check-in per member-local
-- occurrence from any channel, points paid once per event key, creator-defined achievements awarded once, the
-- creator's gamification settings, the at-risk flags of the nightly scan, and the leaderboard opt-in.

create table habits (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  name text not null check (length(name) between 1 and 80),
  description text check (length(description) <= 500),
  icon text check (length(icon) <= 64),
  -- HabitSchedule in packages/contracts (daily, N times a week, chosen weekdays), validated on write.
  schedule jsonb not null,
  -- HabitTarget ({amount, unit}: 8 glasses, 20 minutes), null for a plain done / not done habit.
  target jsonb,
  reminder_time text check (reminder_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  -- Words a plain reply ("did my run") may use for this habit, besides its name.
  keywords text[] not null default '{}',
  -- Every member may adopt it, or only members of the programs in habit_programs.
  is_offered_to_all boolean not null default true,
  -- Deleting a habit archives it: adoptions end, their check-ins and points stay.
  archived_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index habits_creator_idx on habits (creator_id, created_at) where archived_at is null;
create trigger habits_updated_at before update on habits for each row execute function set_updated_at();

create table habit_programs (
  creator_id uuid not null references creators (id) on delete cascade,
  habit_id uuid not null references habits (id) on delete cascade,
  program_id uuid not null references programs (id) on delete cascade,
  primary key (creator_id, habit_id, program_id)
);
create index habit_programs_program_idx on habit_programs (program_id);

create table member_habits (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  habit_id uuid not null references habits (id) on delete cascade,
  status text not null default 'active' check (status in ('active', 'ended')),
  -- The member's own reminder time (member-local); the habit's when null.
  reminder_time text check (reminder_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  -- The member-local date the adoption (re)started: streaks and adherence count from here.
  started_on date not null,
  ended_at timestamptz,
  -- The latest member-local date with a check-in (done or skipped): the at-risk scan's "days without".
  last_checkin_on date,
  -- Written by the at-risk scan (evaluateAtRisk in packages/contracts habit-streaks.ts).
  is_at_risk boolean not null default false,
  at_risk_reasons jsonb not null default '[]'::jsonb,
  at_risk_since timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Re-adopting a habit reactivates the same row, so its check-ins stay one history.
  unique (creator_id, member_id, habit_id)
);
create index member_habits_habit_idx on member_habits (habit_id);
create index member_habits_at_risk_idx on member_habits (creator_id, member_id) where is_at_risk;
create trigger member_habits_updated_at before update on member_habits for each row execute function set_updated_at();

create table habit_checkins (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  member_habit_id uuid not null references member_habits (id) on delete cascade,
  -- The member-local occurrence date: one check-in per occurrence, whatever the channel.
  occurred_on date not null,
  status text not null check (status in ('done', 'skipped')),
  value numeric check (value >= 0),
  source text not null check (source in ('app', 'widget', 'whatsapp', 'telegram', 'websocket', 'push', 'email', 'api')),
  -- The inbound message (messages.id) a check-in came from: one check-in per message.
  source_message_id uuid,
  -- The app's idempotency key for a retried request.
  client_id text check (length(client_id) <= 100),
  created_at timestamptz not null default now(),
  unique (creator_id, member_habit_id, occurred_on)
);
create unique index habit_checkins_message_key on habit_checkins (creator_id, source_message_id)
  where source_message_id is not null;
create unique index habit_checkins_client_key on habit_checkins (creator_id, member_habit_id, client_id)
  where client_id is not null;

-- Each adoption's check-ins as bitmaps of 64 days: bit i of chunk c is day number c * 64 + i (days since
-- 1970-01-01). Streaks, adherence and the at-risk scan read these (a year is six small rows per habit, not 365),
-- the check-in rows only for their details. Check-ins are insert-only; the statement trigger below keeps the
-- bitmaps and member_habits.last_checkin_on in the inserting statement, for one row or a bulk load alike.
create table habit_checkin_marks (
  creator_id uuid not null references creators (id) on delete cascade,
  member_habit_id uuid not null references member_habits (id) on delete cascade,
  chunk integer not null,
  done bigint not null default 0,
  skipped bigint not null default 0,
  primary key (creator_id, member_habit_id, chunk)
);

create function habit_checkins_rollup() returns trigger language plpgsql as $$
begin
  insert into habit_checkin_marks (creator_id, member_habit_id, chunk, done, skipped)
  select creator_id, member_habit_id, (occurred_on - date '1970-01-01') / 64,
         bit_or(case when status = 'done' then 1::bigint << ((occurred_on - date '1970-01-01') % 64) else 0 end),
         bit_or(case when status = 'skipped' then 1::bigint << ((occurred_on - date '1970-01-01') % 64) else 0 end)
    from inserted_checkins
   group by 1, 2, 3
  on conflict (creator_id, member_habit_id, chunk) do update
    set done = habit_checkin_marks.done | excluded.done, skipped = habit_checkin_marks.skipped | excluded.skipped;
  update member_habits mh set last_checkin_on = greatest(mh.last_checkin_on, latest.day)
    from (select member_habit_id, max(occurred_on) as day from inserted_checkins group by 1) latest
   where mh.id = latest.member_habit_id;
  return null;
end $$;
create trigger habit_checkins_rollup after insert on habit_checkins
  referencing new table as inserted_checkins for each statement execute function habit_checkins_rollup();

-- Every gamification event of a member, paid or not (points may be 0): the unique key makes a replayed event a
-- no-op, and counting rows of a type is how achievement rules count check-ins or completed programs.
create table points_ledger (
  id bigint generated always as identity primary key,
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  event_type text not null,
  event_key text not null check (length(event_key) <= 200),
  points integer not null,
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  unique (creator_id, member_id, event_key)
);
create index points_ledger_type_idx on points_ledger (creator_id, member_id, event_type);

-- Each member's point total, kept with every paid ledger row (the leaderboard reads it, not the ledger).
create table member_points (
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  points integer not null default 0,
  updated_at timestamptz not null default now(),
  primary key (creator_id, member_id)
);
create index member_points_rank_idx on member_points (creator_id, points desc, member_id);

create table achievements (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  name text not null check (length(name) between 1 and 80),
  description text check (length(description) <= 500),
  icon text check (length(icon) <= 64),
  -- AchievementRule in packages/contracts: a declarative rule (no code), validated on write.
  rule jsonb not null,
  points integer not null default 0 check (points between 0 and 100000),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index achievements_creator_idx on achievements (creator_id, created_at);
create trigger achievements_updated_at before update on achievements for each row execute function set_updated_at();

create table member_achievements (
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  achievement_id uuid not null references achievements (id) on delete cascade,
  -- The event that completed the rule.
  event_key text,
  awarded_at timestamptz not null default now(),
  primary key (creator_id, member_id, achievement_id)
);
create index member_achievements_achievement_idx on member_achievements (achievement_id);

-- GamificationSettings in packages/contracts; absent = the defaults.
create table gamification_settings (
  creator_id uuid primary key references creators (id) on delete cascade,
  settings jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null default now()
);

-- The at-risk scan per creator: ids, time zone and times only (no member data). The hourly sweep's scope
-- (app.habit_scan = 'sweep', set inside a withAppRole transaction by the sweep job) may read every creator's
-- row to fan the nightly scan out; each scan then runs in its own creator's tenant.
create table habit_scans (
  creator_id uuid primary key references creators (id) on delete cascade,
  timezone text not null default 'UTC',
  last_scanned_on date,
  last_started_at timestamptz,
  last_finished_at timestamptz,
  habits_evaluated integer,
  members_flagged integer,
  duration_ms integer
);

-- Members choose to appear on the leaderboard, under members.display_name (which they set themselves).
alter table members add column leaderboard_opt_in boolean not null default false;
create index members_leaderboard_idx on members (creator_id) where leaderboard_opt_in;

do $$
declare
  t text;
begin
  foreach t in array array['habits', 'habit_programs', 'member_habits', 'habit_checkins', 'habit_checkin_marks', 'points_ledger',
                           'member_points', 'achievements', 'member_achievements', 'gamification_settings',
                           'habit_scans']
  loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))
      with check (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))$p$, t);
  end loop;
end $$;

create policy habit_scan_sweep on habit_scans for select
  using ((select current_setting('app.habit_scan', true)) = 'sweep');
