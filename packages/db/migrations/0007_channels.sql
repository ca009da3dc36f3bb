-- Channels: provider connections, the widget's settings, the replayable event log of every recipient, the
-- outbound delivery queue (with its dead letters), and one-time codes that link a member's identities.

-- WhatsApp and Telegram connections. Secrets (tokens, app secret, webhook secret) are one encrypted JSON blob.
create table channel_connections (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  channel text not null check (channel in ('whatsapp', 'telegram')),
  status text not null default 'active' check (status in ('active', 'error', 'disabled')),
  settings jsonb not null default '{}'::jsonb,
  secrets text not null,
  -- The provider account (WhatsApp phone number id, Telegram bot id): one connection per account per creator.
  account_key text not null,
  last_error text,
  last_event_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (creator_id, channel, account_key)
);

create table widget_settings (
  creator_id uuid primary key references creators (id) on delete cascade,
  theme jsonb not null default '{}'::jsonb,
  allowed_origins text[] not null default '{}',
  identity_secret text,
  updated_at timestamptz not null default now()
);

-- Everything a channel client should see, in one order per recipient: `resume` replays from PostgreSQL.
create table channel_events (
  id bigint generated always as identity primary key,
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid references members (id) on delete cascade,
  account_id uuid references accounts (id) on delete cascade,
  conversation_id uuid references conversations (id) on delete cascade,
  message_id uuid references messages (id) on delete cascade,
  type text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  check ((member_id is null) <> (account_id is null))
);
create index channel_events_member_idx on channel_events (creator_id, member_id, id) where member_id is not null;
create index channel_events_account_idx on channel_events (creator_id, account_id, id) where account_id is not null;
create index channel_events_created_idx on channel_events (created_at);
create index channel_events_message_idx on channel_events (creator_id, message_id) where message_id is not null;

-- One row per message that must leave through a provider (WhatsApp, Telegram, push): the outbound queue's state.
create table outbound_deliveries (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  message_id uuid not null references messages (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  channel text not null,
  connection_id uuid references channel_connections (id) on delete set null,
  external_id text not null,
  kind text not null default 'reply' check (kind in ('reply', 'proactive', 'system')),
  status text not null default 'pending'
    check (status in ('pending', 'sending', 'sent', 'waiting', 'failed', 'dead', 'cancelled')),
  attempts integer not null default 0,
  last_error text,
  provider_message_id text,
  next_attempt_at timestamptz,
  sending_started_at timestamptz,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (creator_id, message_id, channel)
);
create index outbound_deliveries_status_idx on outbound_deliveries (creator_id, status, created_at desc);
create index outbound_deliveries_member_idx on outbound_deliveries (creator_id, member_id, status);

create table channel_link_codes (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  code_hash text not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  unique (creator_id, code_hash)
);

-- Replies are idempotent on the message they answer; WebSocket clients' ids dedupe their sends.
alter table messages add column reply_to_message_id uuid references messages (id) on delete cascade;
alter table messages add column reply_lease_until timestamptz;
alter table messages add column client_id text;
alter table messages add column content_type text not null default 'text';
alter table messages add column metadata jsonb not null default '{}'::jsonb;
create unique index messages_one_reply on messages (creator_id, reply_to_message_id) where reply_to_message_id is not null;
alter table messages drop constraint messages_status_check;
alter table messages add constraint messages_status_check
  check (status in ('stored', 'queued', 'sent', 'delivered', 'read', 'failed', 'waiting'));

-- The start of the WhatsApp 24-hour customer-service window is the member's last inbound message there.
alter table channel_identities add column last_inbound_at timestamptz;

do $$
declare
  t text;
begin
  foreach t in array array['channel_connections', 'widget_settings', 'channel_events', 'outbound_deliveries',
                           'channel_link_codes']
  loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))
      with check (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))$p$, t);
  end loop;
end $$;

-- A provider's webhook names only its connection id: this scope lets an app-role transaction read that one
-- connection (to learn its creator and check the signature) and nothing else.
create policy connection_lookup on channel_connections for select
  using (id = (select nullif(current_setting('app.lookup_channel_connection', true), '')::uuid));
