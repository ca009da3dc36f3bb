-- Knowledge base: folders, documents (the uploaded bytes are kept), chunks for keyword search and citations
-- (their vectors live in the creator's Chroma collection), the coach persona, and unanswered questions.

create table knowledge_folders (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  parent_id uuid references knowledge_folders (id) on delete cascade,
  name text not null check (length(name) between 1 and 120),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index knowledge_folders_name_key on knowledge_folders (creator_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));
create trigger knowledge_folders_updated_at before update on knowledge_folders for each row execute function set_updated_at();

create table knowledge_documents (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  folder_id uuid references knowledge_folders (id) on delete set null,
  title text not null,
  file_name text not null,
  mime_type text not null,
  bytes integer not null,
  sha256 text not null,
  content bytea not null,
  tags text[] not null default '{}',
  status text not null default 'queued' check (status in ('queued', 'processing', 'ready', 'failed')),
  progress real not null default 0 check (progress between 0 and 1),
  chunk_count integer not null default 0,
  page_count integer,
  error text,
  embedding_model text,
  source text not null default 'upload' check (source in ('upload', 'answer')),
  created_by uuid references accounts (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (creator_id, sha256)
);
create index knowledge_documents_list_idx on knowledge_documents (creator_id, created_at desc, id desc);
create trigger knowledge_documents_updated_at before update on knowledge_documents for each row execute function set_updated_at();

create table knowledge_chunks (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  document_id uuid not null references knowledge_documents (id) on delete cascade,
  ordinal integer not null,
  heading_path text[] not null default '{}',
  page integer,
  text text not null,
  token_count integer not null,
  -- Written by the ingestion insert: headings weighted A, text D, in the creator's language configuration.
  search_config regconfig not null default 'simple',
  search_vector tsvector not null,
  created_at timestamptz not null default now(),
  unique (document_id, ordinal)
);
create index knowledge_chunks_search_idx on knowledge_chunks using gin (search_vector);
create index knowledge_chunks_document_idx on knowledge_chunks (creator_id, document_id);

create table coach_personas (
  creator_id uuid primary key references creators (id) on delete cascade,
  name text not null default 'Coach',
  instructions text not null default '',
  tone text not null default 'warm',
  language text not null default 'en',
  model text,
  temperature real not null default 0.3 check (temperature between 0 and 2),
  fallback_message text not null default 'I don''t have that in my notes yet. I''ve passed your question on to your coach.',
  welcome_message text not null default 'Hi! How can I help you today?',
  updated_at timestamptz not null default now()
);
create trigger coach_personas_updated_at before update on coach_personas for each row execute function set_updated_at();

create table unanswered_questions (
  id uuid primary key default gen_random_uuid(),
  creator_id uuid not null references creators (id) on delete cascade,
  question text not null,
  normalized text not null,
  times_asked integer not null default 1,
  status text not null default 'open' check (status in ('open', 'answered', 'dismissed')),
  answer text,
  answer_document_id uuid references knowledge_documents (id) on delete set null,
  first_asked_at timestamptz not null default now(),
  last_asked_at timestamptz not null default now(),
  unique (creator_id, normalized)
);
create index unanswered_questions_open_idx on unanswered_questions (creator_id, status, last_asked_at desc);

do $$
declare
  t text;
begin
  foreach t in array array['knowledge_folders', 'knowledge_documents', 'knowledge_chunks', 'coach_personas', 'unanswered_questions']
  loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)
      with check (creator_id = nullif(current_setting('app.current_creator_id', true), '')::uuid)$p$, t);
  end loop;
end $$;
