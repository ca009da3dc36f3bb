/**
 * `node --import tsx bench/analytics.ts`: GET /api/hub/analytics/overview for one creator with 1,000,000
 * analytics events (365 days, 5 channels, 20,000 members) on PostgreSQL, over HTTP on a started server.
 * Writes bench/results/analytics.json and prints a summary.
 *
 * The events are bulk-loaded with INSERT … SELECT generate_series as the owner, and the four rollup tables are
 * then computed from them with the rules of recordAnalyticsEvent (packages/db/src/analytics-events.ts). Before
 * the big load, the same generator writes a small sample twice — once event by event through
 * recordAnalyticsEvent, once through the bulk path — and the run stops unless both give identical events and
 * rollups.
 *
 * Needs DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a superuser, to create the private
 * database). BENCH_EVENTS, BENCH_MEMBERS and BENCH_REQUESTS override the sizes for a quick run;
 * BENCH_KEEP_DATABASE=1 leaves the loaded database behind for an EXPLAIN session (its URL is printed; drop it
 * yourself afterwards).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { latencyBucket, normalizeQuestion, recordAnalyticsEvent } from '@companero/db/analytics-events';
import { type TenantTx, withTenant } from '@companero/db/tenant';
import { buildServerApp } from '@companero/server/server-app';
import type { Backend } from '@companero/testing/backends';
import { startTestServer, type TestServer } from '@companero/testing/test-server';
import pg from 'pg';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

const numberFromEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
};

export const settings = {
  events: numberFromEnv('BENCH_EVENTS', 1_000_000),
  members: numberFromEnv('BENCH_MEMBERS', 20_000),
  days: 365,
  firstDay: '2025-01-01',
  timezone: 'Europe/Madrid',
  channels: ['whatsapp', 'telegram', 'widget', 'app', 'websocket'],
  rangesDays: [30, 90, 365],
  requestsPerRange: numberFromEnv('BENCH_REQUESTS', 50),
  warmupRequests: 5,
  sample: { members: 200, events: 4_000 },
};

export const goals = { overviewP95Ms: 100 };

const backend: Backend = { name: 'postgres', usesPostgres: true, usesRedis: false };
const repoRoot = join(import.meta.dirname, '..');

// ---- the synthetic audience --------------------------------------------------------------------------------

// 40 topics asked in 5 phrasings: grouping must merge them, as it would for real members.
const topics = [
  'sleep better',
  'lose weight',
  'run a 10k',
  'eat before running',
  'stay motivated',
  'build muscle',
  'stretch after training',
  'drink more water',
  'meditate daily',
  'reduce stress',
  'train twice a day',
  'recover from a long run',
  'avoid knee pain',
  'start lifting weights',
  'plan my meals',
  'cut sugar',
  'wake up earlier',
  'breathe while running',
  'improve my posture',
  'do a plank',
  'count macros',
  'fast intermittently',
  'warm up properly',
  'rest between sets',
  'train with a cold',
  'choose running shoes',
  'prepare for a marathon',
  'eat after a workout',
  'sleep after night shifts',
  'handle cravings',
  'track my progress',
  'breathe to relax',
  'do yoga at home',
  'lower my resting heart rate',
  'fix my squat',
  'keep a habit',
  'set realistic goals',
  'train in the heat',
  'get more protein',
  'come back after an injury',
];
const phrasings = [
  (topic: string) => `How do I ${topic}?`,
  (topic: string) => `how to ${topic}`,
  (topic: string) => `${topic} tips`,
  (topic: string) => `Can you help me ${topic}?`,
  (topic: string) => `What is the best way to ${topic}?`,
];
const questionPool = topics.flatMap((topic) => phrasings.map((phrase) => phrase(topic)));
const questionNormalized = questionPool.map(normalizeQuestion);

/** The smallest whole millisecond value of each latency bucket 1..79, from the very function the app uses. */
const latencyThresholds = Array.from({ length: 79 }, (_, index) => {
  const bucket = index + 1;
  let low = 1;
  let high = 2 ** 22;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (latencyBucket(middle) >= bucket) high = middle;
    else low = middle + 1;
  }
  return low;
});

type Shape = { creatorId: string; members: number; activityEvents: number };

const spanSeconds = settings.days * 86_400;
// Midnight of the first local day in the creator's time zone, as UTC (Europe/Madrid is UTC+1 in January).
const startsAt = `${settings.firstDay}T00:00:00+01:00`;

// Times are whole milliseconds: recordAnalyticsEvent takes a JavaScript Date.
// A deterministic hash of a row number: the same data on every run and in both load paths.
const hash = (salt: string, column = 'g') =>
  `('x' || substr(md5('${salt}' || ${column}), 1, 8))::bit(32)::bigint`;

/** Members created evenly over the year, each with a home channel; one member.joined event each. */
const joinedEventsSql = `
  select n as g, md5($1::text || ':member:' || n)::uuid as member_id, 'member.joined' as type,
         ($5::text[])[1 + n % 5] as channel,
         date_trunc('milliseconds', $3::timestamptz + ((n - 1)::float8 / $2::int * $4::float8) * interval '1 second')
           as occurred_at,
         jsonb_build_object('memberId', md5($1::text || ':member:' || n)::uuid, 'channel', ($5::text[])[1 + n % 5])
           as properties
    from generate_series(1, $2::int) as n`;

/**
 * The rest of the events, spread evenly over the year with jitter: 6 % conversation.started, 43 % message.in,
 * 43 % message.out (95 % timed, 90 % with grounded, 1 in 7 of those ungrounded, half answering a question
 * drawn with a skew towards the first topics), 4 % feedback, 4 % member.active. Each event's member joined
 * before it; members mostly use their home channel.
 */
const activityEventsSql = `
  with generated as (
    select g, ${hash('a')} as h1, ${hash('b')} as h2, ${hash('c')} as h3 from generate_series(1, $3::int) as g
  ),
  picked as (
    select g, h1, h2, h3,
           1 + h1 % greatest(1, floor($2::int * (g - 1)::float8 / $3::int))::bigint as n,
           case when h2 % 100 < 6 then 'conversation.started' when h2 % 100 < 49 then 'message.in'
                when h2 % 100 < 92 then 'message.out' when h2 % 100 < 96 then 'feedback'
                else 'member.active' end as type,
           date_trunc('milliseconds',
             $4::timestamptz + (((g - 1)::float8 / $3::int) * $5::float8 + h3 % 600) * interval '1 second')
             as occurred_at
      from generated
  ),
  shaped as (
    select p.*, md5($1::text || ':member:' || p.n)::uuid as member_id,
           ($6::text[])[1 + (p.n + case when p.h3 % 10 = 0 then 1 else 0 end) % 5] as channel,
           md5('object:' || p.g)::uuid as object_id
      from picked p
  )
  select s.g, s.member_id, s.type, s.channel, s.occurred_at,
         case s.type
           when 'conversation.started' then
             jsonb_build_object('memberId', s.member_id, 'channel', s.channel, 'conversationId', s.object_id)
           when 'message.in' then jsonb_build_object('memberId', s.member_id, 'channel', s.channel, 'messageId', s.object_id)
           when 'message.out' then
             jsonb_build_object('memberId', s.member_id, 'channel', s.channel, 'messageId', s.object_id)
             || case when s.h1 % 20 <> 0
                  then jsonb_build_object('responseMs', 150 + s.h3 % 4000 + (s.h2 % 7) * (s.h3 % 3000))
                  else '{}'::jsonb end
             || case when s.h3 % 10 <> 0 then jsonb_build_object('grounded', s.h1 % 7 <> 0) else '{}'::jsonb end
             || case when s.h2 % 2 = 0
                  then jsonb_build_object('question',
                         ($7::text[])[1 + floor(power((s.h1 % 10000) / 10000.0, 3) * array_length($7::text[], 1))::int])
                  else '{}'::jsonb end
           when 'feedback' then
             jsonb_build_object('memberId', s.member_id, 'messageId', s.object_id,
                                'rating', case when s.h3 % 4 = 0 then 'down' else 'up' end, 'channel', s.channel)
           else jsonb_build_object('memberId', s.member_id, 'channel', s.channel)
         end as properties
    from shaped s`;

const joinedParams = (shape: Shape) => [
  shape.creatorId,
  shape.members,
  startsAt,
  spanSeconds,
  settings.channels,
];
const activityParams = (shape: Shape) => [
  shape.creatorId,
  shape.members,
  shape.activityEvents,
  startsAt,
  spanSeconds,
  settings.channels,
  questionPool,
];

const insertMembersSql = `
  insert into members (id, creator_id, email, name, created_at, last_seen_at)
  select md5($1::text || ':member:' || n)::uuid, $1::text::uuid, 'member' || n || '@bench.example', 'Member ' || n,
         date_trunc('milliseconds', $3::timestamptz + ((n - 1)::float8 / $2::int * $4::float8) * interval '1 second'),
         null
    from generate_series(1, $2::int) as n`;

// ---- the bulk path: events, then the rollups recordAnalyticsEvent would have written --------------------------

const localDay = `(e.occurred_at at time zone c.timezone)::date`;

const rollupStatements: { table: string; sql: string; params: (creatorId: string) => unknown[] }[] = [
  {
    table: 'analytics_daily',
    // incrementsOf(): one metric per event type, plus answers/unanswered for message.out with grounded.
    sql: `
      insert into analytics_daily (creator_id, day, channel, metric, value)
      select e.creator_id, ${localDay}, coalesce(nullif(e.channel, ''), 'unknown'), metric, count(*)
        from analytics_events e join creators c on c.id = e.creator_id
             cross join lateral unnest(case e.type
               when 'member.joined' then array['new_members']
               when 'conversation.started' then array['conversations']
               when 'message.in' then array['messages_in']
               when 'message.out' then array['messages_out']
                 || case when e.properties ? 'grounded' then array['answers'] else array[]::text[] end
                 || case when e.properties->>'grounded' = 'false' then array['unanswered'] else array[]::text[] end
               when 'feedback' then
                 array[case when e.properties->>'rating' = 'up' then 'feedback_up' else 'feedback_down' end]
               else array[]::text[] end) as metric
       where e.creator_id = $1
       group by 1, 2, 3, 4`,
    params: (creatorId) => [creatorId],
  },
  {
    table: 'analytics_member_days',
    sql: `
      insert into analytics_member_days (creator_id, member_id, day, channel)
      select distinct e.creator_id, e.member_id, ${localDay}, e.channel
        from analytics_events e join creators c on c.id = e.creator_id
       where e.creator_id = $1 and e.type in ('message.in', 'member.active')
         and e.member_id is not null and e.channel <> ''`,
    params: (creatorId) => [creatorId],
  },
  {
    table: 'analytics_member_activity',
    sql: `
      insert into analytics_member_activity (creator_id, member_id, channel, year, days)
      select creator_id, member_id, channel, extract(year from day)::smallint,
             bit_or(set_bit(repeat('0', 366)::bit(366), extract(doy from day)::int - 1, 1))
        from analytics_member_days where creator_id = $1
       group by 1, 2, 3, 4`,
    params: (creatorId) => [creatorId],
  },
  {
    table: 'analytics_latency_daily',
    // latencyBucket(ms) for whole milliseconds = how many bucket thresholds are ≤ ms.
    sql: `
      insert into analytics_latency_daily (creator_id, day, channel, bucket, count)
      select e.creator_id, ${localDay}, e.channel,
             (select count(*) from unnest($2::int[]) as threshold
               where threshold <= (e.properties->>'responseMs')::numeric)::smallint,
             count(*)
        from analytics_events e join creators c on c.id = e.creator_id
       where e.creator_id = $1 and e.type = 'message.out' and e.properties ? 'responseMs'
       group by 1, 2, 3, 4`,
    params: (creatorId) => [creatorId, latencyThresholds],
  },
  {
    table: 'analytics_questions_daily',
    // The first event of a (day, question) writes the sample; later ones only count.
    sql: `
      insert into analytics_questions_daily (creator_id, day, normalized, sample, asked, unanswered)
      select creator_id, day, normalized, (array_agg(sample order by id))[1], count(*),
             count(*) filter (where is_unanswered)
        from (select e.creator_id, e.id, ${localDay} as day, q.normalized,
                     left(e.properties->>'question', 300) as sample,
                     (e.properties->>'grounded') = 'false' as is_unanswered
                from analytics_events e join creators c on c.id = e.creator_id
                     join unnest($2::text[], $3::text[]) as q (text, normalized) on q.text = e.properties->>'question'
               where e.creator_id = $1 and e.type = 'message.out' and q.normalized <> '') as asked
       group by 1, 2, 3`,
    params: (creatorId) => [creatorId, questionPool, questionNormalized],
  },
];

const bulkLoad = async (client: pg.Client, shape: Shape) => {
  const timings: Record<string, number> = {};
  const timed = async (label: string, sql: string, params: unknown[]) => {
    const since = performance.now();
    const result = await client.query(sql, params);
    timings[label] = Math.round(performance.now() - since);
    return result;
  };
  await timed('members', insertMembersSql, [shape.creatorId, shape.members, startsAt, spanSeconds]);
  const insertEvents = (source: string) => `
    insert into analytics_events (creator_id, member_id, type, channel, occurred_at, properties)
    select $1::text::uuid, member_id, type, channel, occurred_at, properties from (${source}) as generated order by g`;
  await timed('events.joined', insertEvents(joinedEventsSql), joinedParams(shape));
  await timed('events.activity', insertEvents(activityEventsSql), activityParams(shape));
  for (const statement of rollupStatements) {
    await timed(statement.table, statement.sql, statement.params(shape.creatorId));
  }
  return timings;
};

// ---- the reference path: the same events, one by one, through recordAnalyticsEvent ---------------------------

type GeneratedEvent = { type: string; occurred_at: Date; properties: Record<string, unknown> };

const loadThroughRecorder = async (server: TestServer, client: pg.Client, shape: Shape) => {
  await client.query(insertMembersSql, [shape.creatorId, shape.members, startsAt, spanSeconds]);
  const joined = await client.query<GeneratedEvent>(`${joinedEventsSql} order by g`, joinedParams(shape));
  const activity = await client.query<GeneratedEvent>(
    `${activityEventsSql} order by g`,
    activityParams(shape),
  );
  await withTenant(server.runtime.db, shape.creatorId, async (tx: TenantTx) => {
    for (const row of [...joined.rows, ...activity.rows]) {
      const event = { type: row.type, ...row.properties } as Parameters<typeof recordAnalyticsEvent>[1];
      await recordAnalyticsEvent(tx, event, row.occurred_at);
    }
  });
};

/** Rows of each table that one creator has and the other does not (members compared by email). */
const differences = async (client: pg.Client, left: string, right: string) => {
  const member = (column: string) => `(select email from members m where m.id = ${column})`;
  const views: Record<string, string> = {
    analytics_events: `select type, ${member('t.member_id')}, channel, occurred_at, properties - 'memberId'
                         from analytics_events t where creator_id = $1`,
    analytics_daily: 'select day, channel, metric, value from analytics_daily t where creator_id = $1',
    analytics_member_days: `select ${member('t.member_id')}, day, channel from analytics_member_days t where creator_id = $1`,
    analytics_member_activity: `select ${member('t.member_id')}, channel, year, days from analytics_member_activity t where creator_id = $1`,
    analytics_latency_daily:
      'select day, channel, bucket, count from analytics_latency_daily t where creator_id = $1',
    analytics_questions_daily:
      'select day, normalized, sample, asked, unanswered from analytics_questions_daily t where creator_id = $1',
  };
  const report: Record<
    string,
    { rows: number; onlyRecorder: number; onlyBulk: number; examples?: Record<string, unknown>[] }
  > = {};
  for (const [table, view] of Object.entries(views)) {
    const missing = async (first: string, second: string) => {
      const { rows } = await client.query<Record<string, unknown>>(
        `select * from ((${view}) except all (${view.replaceAll('$1', '$2')})) as missing limit 1000000`,
        [first, second],
      );
      return rows;
    };
    const { rows } = await client.query<{ count: number }>(
      `select count(*)::int as count from ${table} where creator_id = $1`,
      [left],
    );
    const [onlyRecorder, onlyBulk] = [await missing(left, right), await missing(right, left)];
    report[table] = { rows: rows[0]!.count, onlyRecorder: onlyRecorder.length, onlyBulk: onlyBulk.length };
    if (onlyRecorder.length + onlyBulk.length > 0)
      report[table]!.examples = [...onlyRecorder.slice(0, 2), ...onlyBulk.slice(0, 2)];
  }
  return report;
};

// ---- HTTP ----------------------------------------------------------------------------------------------------

const request = async (
  baseUrl: string,
  path: string,
  options: { token?: string; method?: string; body?: unknown },
) => {
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  if (response.status >= 300)
    throw new Error(`${options.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, any>;
};

const registerCreator = async (baseUrl: string, label: string) => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const body = await request(baseUrl, '/api/auth/register', {
    method: 'POST',
    body: {
      email: `bench-${label}-${suffix}@example.com`,
      password: 'plum orbit canyon lantern 58',
      name: 'Bench Coach',
      creatorName: `Bench ${label} ${suffix}`,
    },
  });
  const token = body.accessToken as string;
  await request(baseUrl, '/api/hub/settings', {
    method: 'PATCH',
    token,
    body: { timezone: settings.timezone },
  });
  return { creatorId: body.creator.id as string, token };
};

const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const percentile = (sorted: number[], quantile: number) => sorted[Math.ceil(quantile * sorted.length) - 1]!;
const round = (value: number) => Math.round(value * 100) / 100;

const measureRange = async (baseUrl: string, token: string, days: number) => {
  const to = addDays(settings.firstDay, settings.days - 1);
  const from = addDays(to, -(days - 1));
  const path = `/api/hub/analytics/overview?from=${from}&to=${to}`;
  for (let index = 0; index < settings.warmupRequests; index += 1) await request(baseUrl, path, { token });
  const latencies: number[] = [];
  let body: Record<string, any> = {};
  for (let index = 0; index < settings.requestsPerRange; index += 1) {
    const since = performance.now();
    body = await request(baseUrl, path, { token });
    latencies.push(performance.now() - since);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    from,
    to,
    requests: latencies.length,
    latencyMs: {
      p50: round(percentile(sorted, 0.5)),
      p95: round(percentile(sorted, 0.95)),
      min: round(sorted[0]!),
      max: round(sorted.at(-1)!),
      mean: round(latencies.reduce((sum, value) => sum + value, 0) / latencies.length),
    },
    answer: {
      messagesIn: body.messagesIn,
      messagesOut: body.messagesOut,
      activeMembers: body.activeMembers,
      newMembers: body.newMembers,
      conversations: body.conversations,
      responseTimeMs: body.responseTimeMs,
      unansweredRate: body.unansweredRate,
      topQuestion: body.topQuestions?.[0],
      cohorts: body.retention?.cohorts?.length,
    },
  };
};

/**
 * The statements one overview request runs, captured from the server's own transaction, each re-run under
 * EXPLAIN ANALYZE as the application role in the creator's tenant: where the time goes.
 */
type Statement = { sql: string; params: unknown[]; ms: number };

/** The statements one overview request runs, captured from the server's own transaction. */
const captureOverview = async (server: TestServer, token: string, days: number): Promise<Statement[]> => {
  const database = server.runtime.database;
  const captured: Statement[] = [];
  const transaction = database.transaction;
  database.transaction = <T>(work: (tx: Parameters<Parameters<typeof transaction>[0]>[0]) => Promise<T>) =>
    transaction.call(database, (tx) =>
      work({
        exec: (sql: string) => tx.exec(sql),
        async query<Row>(sql: string, params?: unknown[]) {
          const since = performance.now();
          const result = await tx.query<Row>(sql, params);
          captured.push({ sql, params: params ?? [], ms: performance.now() - since });
          return result;
        },
      }),
    ) as Promise<T>;
  try {
    const to = addDays(settings.firstDay, settings.days - 1);
    await request(server.baseUrl, `/api/hub/analytics/overview?from=${addDays(to, -(days - 1))}&to=${to}`, {
      token,
    });
  } finally {
    database.transaction = transaction;
  }
  return captured.filter((entry) => !entry.sql.includes('set_config'));
};

/** Each statement of a 365-day overview re-run under EXPLAIN ANALYZE as the app role in the tenant. */
const explainOverview = async (server: TestServer, token: string, creatorId: string, days: number) => {
  const captured = await captureOverview(server, token, days);
  const statements = captured;
  const explained = [];
  for (const statement of statements) {
    const plan = await withTenant(server.runtime.db, creatorId, (tx) =>
      tx.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${statement.sql}`, statement.params),
    );
    const lines = plan.rows.map((row) => row['QUERY PLAN']);
    const executionMs = Number(lines.find((line) => line.startsWith('Execution Time'))?.match(/[\d.]+/)?.[0]);
    explained.push({
      statement: statement.sql.replace(/\s+/g, ' ').trim().slice(0, 120),
      msInRequest: round(statement.ms),
      executionMs: round(executionMs),
      plan: lines,
    });
  }
  return explained.sort((a, b) => b.executionMs - a.executionMs);
};

const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [
    line(rows[0]!),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
};

const main = async () => {
  const loadAverageAtStart = os.loadavg()[0]!;
  console.log(
    `analytics bench: ${settings.events.toLocaleString('en')} events, ${settings.members.toLocaleString('en')} members, ` +
      `${settings.days} days, ${settings.channels.length} channels, on PostgreSQL`,
  );
  let server: TestServer | undefined;
  let owner: pg.Client | undefined;
  const stop = async () => {
    await owner?.end().catch(() => {});
    owner = undefined;
    if (server && process.env.BENCH_KEEP_DATABASE === '1') {
      console.log(
        `kept the database: ${server.config.DATABASE_URL} (app role ${server.config.DATABASE_APP_ROLE})`,
      );
      await server.app.close();
      await server.runtime.close();
    } else await server?.close().catch((error: unknown) => console.error('cleanup failed:', error));
    server = undefined;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the server and dropping the temporary database…`);
      void stop().finally(() => process.exit(130));
    });
  }
  try {
    server = await startTestServer(backend, {
      buildApp: (runtime) => buildServerApp(runtime, ['auth', 'creator-hub']),
      env: { RATE_LIMIT_PER_MINUTE: '1000000000', DATABASE_STATEMENT_TIMEOUT_MS: '600000' },
    });
    // The owner (a superuser here) bulk-loads past row level security, without the app's statement timeout.
    owner = new pg.Client({ connectionString: server.config.DATABASE_URL });
    await owner.connect();
    const { rows: version } = await owner.query<{ version: string }>('show server_version');

    // 1. Both load paths agree on a sample.
    const recorder = await registerCreator(server.baseUrl, 'recorder');
    const bulk = await registerCreator(server.baseUrl, 'bulk');
    const sampleShape = (creatorId: string): Shape => ({
      creatorId,
      members: settings.sample.members,
      activityEvents: settings.sample.events - settings.sample.members,
    });
    let since = performance.now();
    await loadThroughRecorder(server, owner, sampleShape(recorder.creatorId));
    const recorderMs = performance.now() - since;
    await bulkLoad(owner, sampleShape(bulk.creatorId));
    const comparison = await differences(owner, recorder.creatorId, bulk.creatorId);
    const doPathsAgree = Object.values(comparison).every(
      (entry) => entry.onlyRecorder === 0 && entry.onlyBulk === 0,
    );
    console.log(
      `sample of ${settings.sample.events} events: recordAnalyticsEvent and the bulk load ${doPathsAgree ? 'agree' : 'DISAGREE'}`,
    );
    console.log(
      table([
        ['table', 'rows', 'only recorder', 'only bulk'],
        ...Object.entries(comparison).map(([name, entry]) => [
          name,
          String(entry.rows),
          String(entry.onlyRecorder),
          String(entry.onlyBulk),
        ]),
      ]),
    );
    if (!doPathsAgree) {
      for (const [name, entry] of Object.entries(comparison))
        if (entry.examples) console.log(name, JSON.stringify(entry.examples, null, 1));
    }
    if (!doPathsAgree)
      throw new Error('the bulk load does not reproduce recordAnalyticsEvent; fix it before measuring');
    await owner.query('delete from analytics_events where creator_id = any($1::uuid[])', [
      [recorder.creatorId, bulk.creatorId],
    ]);

    // 2. The big creator.
    const creator = await registerCreator(server.baseUrl, 'million');
    since = performance.now();
    const loadTimings = await bulkLoad(owner, {
      creatorId: creator.creatorId,
      members: settings.members,
      activityEvents: settings.events - settings.members,
    });
    await owner.query('vacuum analyze');
    const loadSeconds = round((performance.now() - since) / 1000);
    const { rows: sizes } = await owner.query<{ table: string; rows: number }>(
      `select 'analytics_events' as table, count(*)::int as rows from analytics_events where creator_id = $1
       union all select 'analytics_daily', count(*)::int from analytics_daily where creator_id = $1
       union all select 'analytics_member_days', count(*)::int from analytics_member_days where creator_id = $1
       union all select 'analytics_latency_daily', count(*)::int from analytics_latency_daily where creator_id = $1
       union all select 'analytics_questions_daily', count(*)::int from analytics_questions_daily where creator_id = $1
       union all select 'members', count(*)::int from members where creator_id = $1`,
      [creator.creatorId],
    );
    console.log(
      `loaded in ${loadSeconds} s (then VACUUM ANALYZE): ${sizes.map((size) => `${size.table} ${size.rows}`).join(', ')}`,
    );

    // 3. The overview over HTTP.
    const ranges: Record<string, Awaited<ReturnType<typeof measureRange>>> = {};
    for (const days of settings.rangesDays) {
      ranges[`${days}d`] = await measureRange(server.baseUrl, creator.token, days);
    }
    const explain = await explainOverview(server, creator.token, creator.creatorId, 365);
    const migrations = (
      await owner.query<{ name: string }>('select name from schema_migrations order by version')
    ).rows.map((row) => row.name);

    const worstP95 = Math.max(...Object.values(ranges).map((range) => range.latencyMs.p95));
    const results = {
      benchmark: 'analytics-overview',
      date: new Date().toISOString(),
      command: 'node --import tsx bench/analytics.ts',
      node: process.version,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: round(os.totalmem() / 2 ** 30),
        postgres: version[0]!.version,
        loadAverage1mAtStart: round(loadAverageAtStart),
        loadAverage1mAtEnd: round(os.loadavg()[0]!),
      },
      settings,
      migrations,
      dataset: {
        rows: Object.fromEntries(sizes.map((size) => [size.table, size.rows])),
        loadSeconds,
        loadTimingsMs: loadTimings,
      },
      verification: {
        sampleEvents: settings.sample.events,
        recorderSeconds: round(recorderMs / 1000),
        doPathsAgree,
        tables: comparison,
      },
      overview: ranges,
      explain365d: explain.map(({ plan, ...entry }) => ({ ...entry, plan: plan.slice(0, 40) })),
      goals: [
        {
          goal: `overview p95 < ${goals.overviewP95Ms} ms at 1M events (every range)`,
          actual: worstP95,
          met: worstP95 < goals.overviewP95Ms,
        },
      ],
    };
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    const path = join(repoRoot, 'bench/results/analytics.json');
    writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);

    console.log('\nGET /api/hub/analytics/overview');
    console.log(
      table([
        ['range', 'from', 'to', 'p50 ms', 'p95 ms', 'max ms', 'messagesIn', 'activeMembers'],
        ...Object.entries(ranges).map(([name, range]) => [
          name,
          range.from,
          range.to,
          range.latencyMs.p50.toFixed(1),
          range.latencyMs.p95.toFixed(1),
          range.latencyMs.max.toFixed(1),
          String(range.answer.messagesIn),
          String(range.answer.activeMembers),
        ]),
      ]),
    );
    console.log('\nwhere a 365-day overview spends its time (EXPLAIN ANALYZE, app role, tenant set):');
    console.log(
      table([
        ['statement', 'ms'],
        ...explain.map((entry) => [entry.statement.slice(0, 90), entry.executionMs.toFixed(1)]),
      ]),
    );
    console.log(
      `\ngoal: ${results.goals[0]!.goal}: ${worstP95.toFixed(1)} ms → ${results.goals[0]!.met ? 'met' : 'MISSED'}`,
    );
    console.log(`wrote ${path} (${readFileSync(path).length} bytes)`);
  } finally {
    await stop();
  }
};

await main();
