-- Audience, conversations and analytics: the tables the creator hub reads and every channel writes.
-- Same tenancy rules as 0001: creator_id, ENABLE + FORCE row level security, one policy per table.

create table channel_identities (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  channel text not null check (channel in ('widget', 'whatsapp', 'telegram', 'app', 'websocket', 'push', 'email')),
  external_id text not null,
  display_name text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz,
  unique (creator_id, channel, external_id)
);
create index channel_identities_member_idx on channel_identities (creator_id, member_id);

-- A conversation belongs to a member, or (the persona playground in the dashboard) to a team account.
create table conversations (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid references members (id) on delete cascade,
  account_id uuid references accounts (id) on delete cascade,
  channel text not null,
  status text not null default 'open' check (status in ('open', 'closed')),
  started_at timestamptz not null default now(),
  last_message_at timestamptz,
  message_count integer not null default 0,
  check ((member_id is null) <> (account_id is null))
);
create index conversations_member_idx on conversations (creator_id, member_id, last_message_at desc);

create table messages (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  conversation_id uuid not null references conversations (id) on delete cascade,
  member_id uuid references members (id) on delete cascade,
  direction text not null check (direction in ('in', 'out')),
  author text not null check (author in ('member', 'coach', 'staff', 'system')),
  content text not null,
  channel text not null,
  provider_message_id text,
  status text not null default 'stored' check (status in ('stored', 'queued', 'sent', 'delivered', 'read', 'failed')),
  grounded boolean,
  citations jsonb not null default '[]'::jsonb,
  response_ms integer,
  created_at timestamptz not null default now(),
  unique (creator_id, channel, provider_message_id)
);
create index messages_conversation_idx on messages (creator_id, conversation_id, created_at, id);
create index messages_member_idx on messages (creator_id, member_id, created_at);

create table message_feedback (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  message_id uuid not null references messages (id) on delete cascade,
  member_id uuid references members (id) on delete cascade,
  account_id uuid references accounts (id) on delete set null,
  rating text not null check (rating in ('up', 'down')),
  comment text,
  created_at timestamptz not null default now()
);
create unique index message_feedback_once on message_feedback (creator_id, message_id, coalesce(member_id, account_id));

-- Analytics: an append-only event log, plus rollups written in the same transaction as each event so the
-- overview reads a few hundred rows instead of scanning millions. Days are the creator's local days.
create table analytics_events (
  id bigint generated always as identity,
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid references members (id) on delete cascade,
  type text not null,
  channel text,
  occurred_at timestamptz not null default now(),
  properties jsonb not null default '{}'::jsonb,
  primary key (creator_id, id)
);
create index analytics_events_time_idx on analytics_events (creator_id, occurred_at);
create index analytics_events_member_idx on analytics_events (creator_id, member_id);

create table analytics_daily (
  creator_id uuid not null references creators (id) on delete cascade,
  day date not null,
  channel text not null,
  metric text not null,
  value bigint not null default 0,
  primary key (creator_id, metric, day, channel)
);

-- Response-time histogram per day and channel: log-spaced buckets, merged to estimate p50/p95.
create table analytics_latency_daily (
  creator_id uuid not null references creators (id) on delete cascade,
  day date not null,
  channel text not null,
  bucket smallint not null,
  count bigint not null default 0,
  primary key (creator_id, day, channel, bucket)
);

-- Who was active on which local day (distinct active members, retention cohorts).
create table analytics_member_days (
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  day date not null,
  channel text not null,
  primary key (creator_id, day, member_id, channel)
);
create index analytics_member_days_member_idx on analytics_member_days (creator_id, member_id, day);

-- Questions members asked, normalised, counted per day (top questions, grouped by similarity when read).
create table analytics_questions_daily (
  creator_id uuid not null references creators (id) on delete cascade,
  day date not null,
  normalized text not null,
  sample text not null,
  asked bigint not null default 0,
  unanswered bigint not null default 0,
  primary key (creator_id, day, normalized)
);

alter table members add column display_name text;
alter table members add column quiet_hours jsonb;
alter table members add column notification_preferences jsonb not null default '{}'::jsonb;
create index members_created_idx on members (creator_id, created_at desc, id desc);
create index members_last_seen_idx on members (creator_id, last_seen_at desc nulls last, id desc);

do $$
declare
  t text;
begin
  foreach t in array array['channel_identities', 'conversations', 'messages', 'message_feedback', 'analytics_events',
                           'analytics_daily', 'analytics_latency_daily', 'analytics_member_days', 'analytics_questions_daily']
  loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
      with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)$p$, t);
  end loop;
end $$;
