/**
 * The scale benchmark's synthetic tenants, generated with set-based SQL (generate_series) as the owner role:
 * creators, their owner accounts and team memberships, members with tags and attributes, channel identities,
 * conversations and messages for a subset of members, and the analytics rollups the overview reads.
 *
 * Every id is derived from the creator's and the member's numbers (md5 → uuid), so the benchmark can name a
 * member of any creator without asking the database. Rows are inserted in time order across the creators of a
 * batch (as members join over time), not creator by creator: a creator's 100 members end up on ~100 different
 * heap pages, as they would in production, instead of on three neighbouring ones.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

/** Members of every creator (the issue's 100). */
export const membersPerCreator = 100;
/** Every 5th member has a conversation (4 messages); the transcript read picks one of them. */
export const conversationEvery = 5;
export const messagesPerConversation = 4;

/** An RFC 9562 UUID (version 4 and variant nibbles set, as the API's validation requires) from md5(text). */
const md5Uuid = (text: string) => {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
};
/** The same in SQL, for a text expression. */
const sqlUuid = (text: string) =>
  `overlay(overlay(md5(${text}) placing '4' from 13) placing '8' from 17)::uuid`;

export const creatorId = (creator: number) => md5Uuid(`scale-creator:${creator}`);
export const memberId = (creator: number, member: number) => md5Uuid(`scale-member:${creator}:${member}`);
export const benchAccountId = md5Uuid('scale-bench-staff');
export const benchAccountEmail = 'bench-staff@scale.example.com';
/** The Telegram chat id of a member whose first identity is Telegram (member % 3 === 2). */
export const telegramChatId = (creator: number, member: number) => String(creator * 1000 + member);

// The same derivations in SQL ($1, $2: the batch's first and last creator number).
const cid = sqlUuid(`'scale-creator:' || c`);
const mid = sqlUuid(`'scale-member:' || c || ':' || n`);
const convId = sqlUuid(`'scale-conv:' || c || ':' || n`);
const ownerId = sqlUuid(`'scale-owner:' || c`);
const creatorRange = 'generate_series($1::int, $2::int) as c';
/** A member's join time: spread over the last 120 days, varying per creator. */
const joinedAt = `(now() - ((n * 1.2 + (c % 7) + ((c * 13 + n * 7) % 60) / 60.0) * interval '1 day'))`;
/** Four in five members were seen in the last 30 days. */
const lastSeenAt = `(case when n % 5 <> 4 then now() - ((c * 31 + n * 17) % 43200) * interval '1 minute' end)`;
const primaryChannel = `(array['widget', 'whatsapp', 'telegram'])[1 + n % 3]`;
/** A creator's two busiest channels: one provider channel (by creator) and the widget. */
const creatorChannels = `array[(array['whatsapp', 'telegram', 'app'])[1 + c % 3], 'widget']`;

type Step = { table: string; sql: string; params?: (first: number, last: number) => unknown[] };

const steps = (passwordHash: string): Step[] => [
  {
    table: 'creators',
    sql: `insert into creators (id, name, slug, timezone, created_at)
          select ${cid}, 'Scale creator ' || c, 'scale-c' || c,
                 (array['UTC', 'Europe/Madrid', 'America/Mexico_City'])[1 + c % 3], now() - interval '400 days'
            from ${creatorRange}`,
  },
  {
    table: 'accounts',
    sql: `insert into accounts (id, email, name, password_hash, created_at)
          select ${ownerId}, 'owner' || c || '@scale.example.com', 'Owner ' || c, $3,
                 now() - interval '400 days'
            from ${creatorRange}`,
    params: (first, last) => [first, last, passwordHash],
  },
  {
    table: 'memberships',
    sql: `insert into memberships (creator_id, account_id, role)
          select ${cid}, ${ownerId}, 'owner' from ${creatorRange}
          union all
          select ${cid}, $3::uuid, 'admin' from ${creatorRange}`,
    params: (first, last) => [first, last, benchAccountId],
  },
  {
    table: 'members',
    sql: `insert into members (id, creator_id, email, phone, name, display_name, timezone, locale, attributes, tags,
                               notes, last_seen_at, created_at, updated_at)
          select ${mid}, ${cid},
                 case when n % 10 <> 0 then 'member' || n || '.c' || c || '@example.com' end,
                 case when n % 3 = 1 then '+3460' || lpad((c * 1000 + n)::text, 8, '0') end,
                 'Member ' || n || ' of creator ' || c, 'M' || n,
                 (array['Europe/Madrid', 'America/Mexico_City', 'UTC'])[1 + n % 3],
                 (array['es', 'en', 'pt'])[1 + (c + n) % 3],
                 jsonb_build_object('plan', (array['free', 'basic', 'pro'])[1 + (c * 7 + n) % 3],
                                    'goal', (array['run a 10k', 'lose weight', 'sleep better', 'build muscle'])[1 + n % 4],
                                    'sessions', (c + n * 13) % 40,
                                    'source', (array['instagram', 'youtube', 'referral'])[1 + (c + n) % 3]),
                 case (c + n) % 4 when 0 then '{}'::text[] when 1 then array['vip']
                      when 2 then array['beginner', 'running'] else array['newsletter'] end,
                 case when n % 17 = 0 then 'Prefers morning check-ins; knee injury in 2025.' end,
                 ${lastSeenAt}, ${joinedAt}, ${joinedAt}
            from ${creatorRange} cross join generate_series(1, ${membersPerCreator}) as n
           order by ${joinedAt}`,
  },
  {
    table: 'channel_identities',
    // Everyone has the identity they joined through; one in four provider members also uses the widget.
    sql: `insert into channel_identities (id, creator_id, member_id, channel, external_id, display_name, created_at,
                                          last_seen_at, last_inbound_at)
          select ${sqlUuid(`'scale-identity:' || c || ':' || n || ':' || k`)}, ${cid}, ${mid},
                 case when k = 1 then ${primaryChannel} else 'widget' end,
                 case when k = 2 or n % 3 = 0 then md5('scale-widget:' || c || ':' || n)
                      when n % 3 = 1 then '3460' || lpad((c * 1000 + n)::text, 8, '0')
                      else (c * 1000 + n)::text end,
                 'M' || n, ${joinedAt}, ${lastSeenAt}, ${lastSeenAt}
            from ${creatorRange} cross join generate_series(1, ${membersPerCreator}) as n
                 cross join generate_series(1, 2) as k
           where k = 1 or (n % 4 = 0 and n % 3 <> 0)
           order by ${joinedAt}, k`,
  },
  {
    table: 'conversations',
    sql: `insert into conversations (id, creator_id, member_id, channel, status, started_at, last_message_at, message_count)
          select ${convId}, ${cid}, ${mid}, ${primaryChannel}, case when n % 2 = 0 then 'open' else 'closed' end,
                 ${joinedAt} + interval '1 day', ${joinedAt} + interval '1 day' + interval '${messagesPerConversation} minutes',
                 ${messagesPerConversation}
            from ${creatorRange} cross join generate_series(${conversationEvery}, ${membersPerCreator}, ${conversationEvery}) as n
           order by ${joinedAt}`,
  },
  {
    table: 'messages',
    sql: `insert into messages (id, creator_id, conversation_id, member_id, direction, author, content, channel, status,
                                grounded, response_ms, created_at)
          select ${sqlUuid(`'scale-message:' || c || ':' || n || ':' || k`)}, ${cid}, ${convId}, ${mid},
                 case when k % 2 = 1 then 'in' else 'out' end, case when k % 2 = 1 then 'member' else 'coach' end,
                 case when k % 2 = 1
                      then 'How should I ' || (array['warm up before a run', 'eat after training', 'sleep before a race', 'stretch my calves'])[1 + (c + n + k) % 4] || '? (' || k || ')'
                      else 'Start with ten easy minutes, then build up; the guide in your plan explains the steps in detail. (' || k || ')' end,
                 ${primaryChannel}, case when k % 2 = 1 then 'stored' else 'sent' end,
                 case when k % 2 = 0 then (c + n) % 7 <> 0 end,
                 case when k % 2 = 0 then 300 + (c * 7 + n * 11 + k) % 2500 end,
                 ${joinedAt} + interval '1 day' + k * interval '1 minute'
            from ${creatorRange} cross join generate_series(${conversationEvery}, ${membersPerCreator}, ${conversationEvery}) as n
                 cross join generate_series(1, ${messagesPerConversation}) as k
           order by ${joinedAt}, k`,
  },
  {
    // Half of a creator's (day, channel) pairs of the last 30 days had traffic.
    table: 'analytics_daily',
    sql: `insert into analytics_daily (creator_id, day, channel, metric, value)
          select ${cid}, current_date - d, (${creatorChannels})[ch], metric,
                 case metric when 'conversations' then 1 + (c + d) % 3 else 2 + (c * 3 + d * 5 + ch) % 9 end
            from ${creatorRange} cross join generate_series(0, 29) as d cross join generate_series(1, 2) as ch
                 cross join unnest(array['messages_in', 'messages_out', 'answers', 'conversations']) as metric
           where (c + d * 7 + ch) % 2 = 0
           order by d desc, c`,
  },
  {
    table: 'analytics_latency_daily',
    sql: `insert into analytics_latency_daily (creator_id, day, channel, bucket, count)
          select ${cid}, current_date - d, (${creatorChannels})[ch], 30 + (c + d + b * 3) % 12, 1 + (c + b) % 5
            from ${creatorRange} cross join generate_series(0, 29) as d cross join generate_series(1, 2) as ch
                 cross join generate_series(1, 2) as b
           where (c + d * 7 + ch) % 2 = 0
           order by d desc, c`,
  },
  {
    table: 'analytics_questions_daily',
    sql: `insert into analytics_questions_daily (creator_id, day, normalized, sample, asked, unanswered)
          select ${cid}, current_date - d, q.normalized, q.sample, 1 + (c + d) % 4, case when (c + d) % 5 = 0 then 1 else 0 end
            from ${creatorRange} cross join generate_series(0, 29) as d
                 cross join lateral (select (array['warm up before run', 'eat after training', 'sleep before race', 'stretch calves'])[1 + (c + d) % 4] as normalized,
                                            (array['How should I warm up before a run?', 'How should I eat after training?',
                                                   'How should I sleep before a race?', 'How should I stretch my calves?'])[1 + (c + d) % 4] as sample) q
           where (c + d) % 3 = 0
           order by d desc, c`,
  },
  {
    // The members with a conversation were active on three days of the last 30, on their channel.
    table: 'analytics_member_days',
    sql: `insert into analytics_member_days (creator_id, member_id, day, channel)
          select ${cid}, ${mid}, current_date - ((c + n + k * 9) % 30), ${primaryChannel}
            from ${creatorRange} cross join generate_series(${conversationEvery}, ${membersPerCreator}, ${conversationEvery}) as n
                 cross join generate_series(0, 2) as k
           order by current_date - ((c + n + k * 9) % 30), c`,
  },
  {
    // The per-year day bitmaps, computed from the member-days exactly as migration 0006 does.
    table: 'analytics_member_activity',
    sql: `insert into analytics_member_activity (creator_id, member_id, channel, year, days)
          select d.creator_id, d.member_id, d.channel, extract(year from d.day)::smallint,
                 bit_or(set_bit(repeat('0', 366)::bit(366), extract(doy from d.day)::int - 1, 1))
            from analytics_member_days d
           where d.creator_id in (select ${cid} from ${creatorRange})
           group by 1, 2, 3, 4`,
  },
];

export const generatedTables = [
  'creators',
  'accounts',
  'memberships',
  'members',
  'channel_identities',
  'conversations',
  'messages',
  'analytics_daily',
  'analytics_latency_daily',
  'analytics_questions_daily',
  'analytics_member_days',
  'analytics_member_activity',
];

/** The staff account the benchmark signs in with: admin of every generated creator. */
export const insertBenchAccount = async (owner: pg.Client, passwordHash: string) => {
  await owner.query(
    `insert into accounts (id, email, name, password_hash) values ($1, $2, 'Scale bench staff', $3)`,
    [benchAccountId, benchAccountEmail, passwordHash],
  );
};

export type GenerationReport = { creators: number; seconds: number; rows: Record<string, number> };

/**
 * Creators `first`..`last` (inclusive) with everything above, in batches of `batchSize` creators. Runs as the
 * owner (a superuser here: row level security does not apply to it).
 */
export const generateCreators = async (
  owner: pg.Client,
  options: {
    first: number;
    last: number;
    passwordHash: string;
    batchSize?: number;
    log?: (line: string) => void;
  },
): Promise<GenerationReport> => {
  const startedAt = performance.now();
  const rows: Record<string, number> = {};
  const batchSize = options.batchSize ?? 2_500;
  await owner.query('set synchronous_commit = off');
  for (let first = options.first; first <= options.last; first += batchSize) {
    const last = Math.min(options.last, first + batchSize - 1);
    const batchStartedAt = performance.now();
    for (const step of steps(options.passwordHash)) {
      const result = await owner.query(step.sql, step.params?.(first, last) ?? [first, last]);
      rows[step.table] = (rows[step.table] ?? 0) + (result.rowCount ?? 0);
    }
    options.log?.(
      `creators ${first}–${last} in ${((performance.now() - batchStartedAt) / 1000).toFixed(1)} s`,
    );
  }
  await owner.query('reset synchronous_commit');
  return {
    creators: options.last - options.first + 1,
    seconds: (performance.now() - startedAt) / 1000,
    rows,
  };
};

/** VACUUM ANALYZE of the generated tables (what autovacuum would do after a load), timed. */
export const vacuumAnalyze = async (owner: pg.Client): Promise<number> => {
  const startedAt = performance.now();
  for (const table of [...generatedTables, 'refresh_tokens', 'audit_log'])
    await owner.query(`vacuum (analyze) ${table}`);
  return (performance.now() - startedAt) / 1000;
};

export type TableSize = {
  table: string;
  rows: number;
  totalMiB: number;
  heapMiB: number;
  indexesMiB: number;
};

/** Row counts and on-disk sizes (heap + TOAST, indexes) of the generated tables, and the database's size. */
export const tableSizes = async (owner: pg.Client): Promise<{ tables: TableSize[]; databaseMiB: number }> => {
  const { rows } = await owner.query<{
    table: string;
    rows: string;
    total: string;
    heap: string;
    indexes: string;
  }>(
    `select c.relname as table, c.reltuples::bigint as rows, pg_total_relation_size(c.oid) as total,
            pg_table_size(c.oid) as heap, pg_indexes_size(c.oid) as indexes
       from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
      where ns.nspname = 'public' and c.relname = any($1)
      order by pg_total_relation_size(c.oid) desc`,
    [[...generatedTables, 'refresh_tokens', 'audit_log']],
  );
  const database = await owner.query<{ size: string }>('select pg_database_size(current_database()) as size');
  const mib = (bytes: string) => Math.round((Number(bytes) / 1048576) * 10) / 10;
  return {
    tables: rows.map((row) => ({
      table: row.table,
      rows: Number(row.rows),
      totalMiB: mib(row.total),
      heapMiB: mib(row.heap),
      indexesMiB: mib(row.indexes),
    })),
    databaseMiB: mib(database.rows[0]!.size),
  };
};
