/**
 * `npm run bench:habits` (node --import tsx bench/habits.ts): habit streaks and adherence for one creator with
 * 10,000 members × 5 habits × 365 days of check-ins on PostgreSQL.
 * - the member's Progress screen data (GET /api/me/progress, member tokens, over HTTP on a started server):
 *   p95 goal < 50 ms;
 * - the nightly at-risk scan of every member of the creator (the habits-at-risk-scan job's work): goal < 10 s.
 * Writes bench/results/habits.json and prints a summary.
 *
 * Habits are created through the API; members, adoptions, a year of check-ins, point totals and awards are then
 * bulk-loaded with set-based INSERT … SELECT generate_series as the owner (deterministic: hashint8 of the row
 * coordinates). The check-ins' insert trigger builds the 64-day bitmaps and last check-in dates, as it does for
 * the app's single inserts. Cohorts: 5 % of members stopped 10 days ago (the scan must flag them as missed), 5 % slowed
 * down in the last three weeks (adherence falling), the rest check in on 70–94 % of their occurrences, with
 * 1 in 20 check-ins a skip. Schedules: three daily habits, Monday/Wednesday/Friday, three times a week.
 *
 * Needs DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a superuser, to create the private
 * database). BENCH_MEMBERS, BENCH_DAYS and BENCH_REQUESTS override the sizes for a quick run;
 * BENCH_KEEP_DATABASE=1 leaves the loaded database behind for an EXPLAIN session (its URL is printed).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createMemberTokenIssuer } from '@companero/auth/member-token-issuer';
import { addDays, localDateAt } from '@companero/contracts/creator-hub/habit-streaks';
import { createHabitServices } from '@companero/creator-hub/habit-services';
import { withTenant } from '@companero/db/tenant';
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
  members: numberFromEnv('BENCH_MEMBERS', 10_000),
  habitsPerMember: 5,
  days: numberFromEnv('BENCH_DAYS', 365),
  timezone: 'Europe/Madrid',
  memberTimezones: ['Europe/Madrid', 'America/New_York', 'Asia/Tokyo', 'America/Mexico_City', null],
  progressRequests: numberFromEnv('BENCH_REQUESTS', 200),
  warmupRequests: 50,
  sampledMembers: 200,
  scanRuns: 3,
};

export const goals = { progressP95Ms: 50, atRiskScanMs: 10_000 };

const backend: Backend = { name: 'postgres', usesPostgres: true, usesRedis: false };
const repoRoot = join(import.meta.dirname, '..');

const habitSpecs = [
  { name: 'Drink water', icon: '💧', schedule: { type: 'daily' }, target: { amount: 8, unit: 'glasses' } },
  { name: 'Walk', icon: '🚶', schedule: { type: 'daily' } },
  { name: 'Meditate', icon: '🧘', schedule: { type: 'daily' }, target: { amount: 10, unit: 'minutes' } },
  { name: 'Gym', icon: '🏋️', schedule: { type: 'weekdays', weekdays: [1, 3, 5] } },
  { name: 'Run', icon: '🏃', schedule: { type: 'times_per_week', times: 3 } },
];

// ---- HTTP ----------------------------------------------------------------------------------------------------

const request = async (
  baseUrl: string,
  path: string,
  options: { token?: string; method?: string; body?: unknown } = {},
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

// ---- the bulk load -------------------------------------------------------------------------------------------

// Ids the API's schemas accept (RFC 9562: version 4 nibble, variant 8): a member's from an md5, and ordered ones
// (the sequence in the leading digits) for adoptions and check-ins.
const memberIdSql = (n: string) =>
  `overlay(overlay(md5($1::text || ':member:' || ${n}) placing '4' from 13) placing '8' from 17)::uuid`;
const orderedIdSql = (sequence: string) =>
  `(lpad(to_hex(${sequence}), 12, '0') || '40008000000000000000')::uuid`;

/** A deterministic pseudo-random 0..999 of a row's coordinates. */
const hash = (salt: number) => `(abs(hashint8(n::bigint * 1000003 + k * 10007 + d * 13 + ${salt})) % 1000)`;

/**
 * Whether member n checks in habit k on day d (0 = the first day, days − 1 = yesterday), by cohort and schedule.
 * n % 20 = 0: stopped 10 days ago; n % 20 = 1: down to 15–20 % over the last 20 days; others 70–94 %.
 */
const includeSql = `
  case
    when n % 20 = 0 and d >= $4::int - 10 then false
    when k = 4 and extract(isodow from day) not in (1, 3, 5) then ${hash(1)} < 30
    when k = 5 then ${hash(1)} < (case when n % 20 = 1 and d >= $4::int - 20 then 150 else 500 end)
    else ${hash(1)} < (case when n % 20 = 1 and d >= $4::int - 20 then 200 else 700 + (n % 25) * 10 end)
  end`;

const load = async (client: pg.Client, input: { creatorId: string; habitIds: string[]; today: string }) => {
  const timings: Record<string, number> = {};
  const timed = async (label: string, sql: string, params: unknown[]) => {
    const since = performance.now();
    const result = await client.query(sql, params);
    timings[label] = Math.round(performance.now() - since);
    return result;
  };
  const firstDay = addDays(input.today, -settings.days);
  await timed(
    'members',
    `insert into members (id, creator_id, email, name, timezone, created_at)
     select ${memberIdSql('n')}, $1::uuid, 'member' || n || '@bench.example', 'Member ' || n,
            ($3::text[])[1 + n % 5], $4::date - 30
       from generate_series(1, $2::int) as n`,
    [input.creatorId, settings.members, settings.memberTimezones, firstDay],
  );
  // Adoption ids in (member, habit) order, and check-ins loaded in that order: the unique index
  // (creator, adoption, date) then grows at its right edge instead of splitting pages all over.
  await timed(
    'member_habits',
    `insert into member_habits (id, creator_id, member_id, habit_id, started_on, created_at)
     select ${orderedIdSql('n::bigint * 8 + k')}, $1::uuid, ${memberIdSql('n')},
            ($3::uuid[])[k], $4::date, $4::date
       from generate_series(1, $2::int) as n cross join generate_series(1, 5) as k`,
    [input.creatorId, settings.members, input.habitIds, firstDay],
  );
  await timed(
    'habit_checkins',
    `insert into habit_checkins (id, creator_id, member_habit_id, occurred_on, status, value, source, created_at)
     select ${orderedIdSql('row_number() over ()')}, $1::uuid, ${orderedIdSql('n::bigint * 8 + k')},
            day, case when ${hash(2)} < 50 then 'skipped' else 'done' end,
            case when k = 1 then 4 + ${hash(3)} % 5 else null end,
            (array['app', 'whatsapp', 'telegram', 'widget'])[1 + ${hash(4)} % 4],
            day + interval '20 hours'
       from generate_series(1, $2::int) as n
       cross join generate_series(1, 5) as k
       cross join lateral (select d, $3::date + d as day from generate_series(0, $4::int - 1) as d) as days
      where ${includeSql}
      order by n, k, d`,
    [input.creatorId, settings.members, firstDay, settings.days],
  );
  await timed(
    'member_points',
    `insert into member_points (creator_id, member_id, points)
     select $1::uuid, mh.member_id, 10 * count(*) filter (where c.status = 'done')
       from member_habits mh join habit_checkins c on c.member_habit_id = mh.id
      where mh.creator_id = $1
      group by mh.member_id`,
    [input.creatorId],
  );
  await timed(
    'member_achievements',
    `insert into member_achievements (creator_id, member_id, achievement_id, event_key, awarded_at)
     select $1::uuid, m.id, a.id, 'bench', now() - interval '30 days'
       from members m join achievements a on a.creator_id = m.creator_id
      where m.creator_id = $1
        and (a.name = '10 check-ins'
             or (a.name = '7-day streak' and abs(hashtext(m.id::text)) % 3 <> 0)
             or (a.name = 'Water champion' and abs(hashtext(m.id::text)) % 3 = 0))`,
    [input.creatorId],
  );
  await timed(
    'habit_scans',
    `insert into habit_scans (creator_id, timezone) values ($1, $2) on conflict (creator_id) do nothing`,
    [input.creatorId, settings.timezone],
  );
  return timings;
};

// ---- measurements ---------------------------------------------------------------------------------------------

const percentile = (sorted: number[], quantile: number) => sorted[Math.ceil(quantile * sorted.length) - 1]!;
const round = (value: number) => Math.round(value * 100) / 100;
const summarize = (latencies: number[]) => {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: latencies.length,
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    min: round(sorted[0]!),
    max: round(sorted.at(-1)!),
    mean: round(latencies.reduce((sum, value) => sum + value, 0) / latencies.length),
  };
};

const measure = async (baseUrl: string, tokens: string[], path: string) => {
  for (let index = 0; index < settings.warmupRequests; index += 1)
    await request(baseUrl, path, { token: tokens[index % tokens.length] });
  const latencies: number[] = [];
  let body: Record<string, any> = {};
  for (let index = 0; index < settings.progressRequests; index += 1) {
    const since = performance.now();
    body = await request(baseUrl, path, { token: tokens[(index * 7) % tokens.length] });
    latencies.push(performance.now() - since);
  }
  return { path, latencyMs: summarize(latencies), sample: body };
};

type Statement = { sql: string; params: unknown[]; ms: number };

/** Every statement `work` runs through the server's database, with its time (transactions included). */
const captureStatements = async (server: TestServer, work: () => Promise<unknown>): Promise<Statement[]> => {
  const database = server.runtime.database;
  const captured: Statement[] = [];
  const transaction = database.transaction;
  database.transaction = <T>(
    inner: (tx: Parameters<Parameters<typeof transaction>[0]>[0]) => Promise<T>,
    options?: Parameters<typeof transaction>[1],
  ) =>
    transaction.call(
      database,
      (tx) =>
        inner({
          exec: (sql: string) => tx.exec(sql),
          async query<Row>(sql: string, params?: unknown[]) {
            const since = performance.now();
            const result = await tx.query<Row>(sql, params);
            captured.push({ sql, params: params ?? [], ms: performance.now() - since });
            return result;
          },
        }),
      options,
    ) as Promise<T>;
  try {
    await work();
  } finally {
    database.transaction = transaction;
  }
  return captured.filter((entry) => /^\s*(with|select)/i.test(entry.sql));
};

/** The captured reads, slowest first, each with its EXPLAIN ANALYZE (app role, tenant set). */
const explainStatements = async (server: TestServer, creatorId: string, statements: Statement[]) => {
  const slowest = [...statements].sort((a, b) => b.ms - a.ms).slice(0, 3);
  const explained = [];
  for (const statement of slowest) {
    const plan = await withTenant(server.runtime.db, creatorId, (tx) =>
      tx.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${statement.sql}`, statement.params),
    );
    const lines = plan.rows.map((row) => row['QUERY PLAN']);
    explained.push({
      statement: statement.sql.replace(/\s+/g, ' ').trim().slice(0, 140),
      msInRun: round(statement.ms),
      executionMs: round(
        Number(lines.find((line) => line.startsWith('Execution Time'))?.match(/[\d.]+/)?.[0]),
      ),
      plan: lines.slice(0, 30),
    });
  }
  return {
    statements: statements.length,
    totalMs: round(statements.reduce((sum, entry) => sum + entry.ms, 0)),
    slowest: explained,
  };
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
    `habits bench: ${settings.members.toLocaleString('en')} members × ${settings.habitsPerMember} habits × ${settings.days} days, on PostgreSQL`,
  );
  let server: TestServer | undefined;
  let owner: pg.Client | undefined;
  let issuer: ReturnType<typeof createMemberTokenIssuer> | undefined;
  const stop = async () => {
    issuer?.stop();
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
    owner = new pg.Client({ connectionString: server.config.DATABASE_URL });
    await owner.connect();
    const { rows: version } = await owner.query<{ version: string }>('show server_version');

    // 1. The creator, its habits and achievements, through the API.
    const suffix = Math.random().toString(36).slice(2, 8);
    const registered = await request(server.baseUrl, '/api/auth/register', {
      method: 'POST',
      body: {
        email: `bench-habits-${suffix}@example.com`,
        password: 'plum orbit canyon lantern 58',
        name: 'Bench Coach',
        creatorName: `Bench habits ${suffix}`,
      },
    });
    const staffToken = registered.accessToken as string;
    const creatorId = registered.creator.id as string;
    await request(server.baseUrl, '/api/hub/settings', {
      method: 'PATCH',
      token: staffToken,
      body: { timezone: settings.timezone },
    });
    const habitIds: string[] = [];
    for (const spec of habitSpecs) {
      habitIds.push(
        (await request(server.baseUrl, '/api/hub/habits', { method: 'POST', token: staffToken, body: spec }))
          .id,
      );
    }
    for (const body of [
      { name: '10 check-ins', rule: { event: 'checkin', count: 10 }, points: 20 },
      { name: '7-day streak', rule: { event: 'streak', count: 7 }, points: 50 },
      { name: 'Water champion', rule: { event: 'streak', count: 30, habitId: habitIds[0] } },
      { name: '1,000 points', rule: { event: 'points', threshold: 1000 } },
      { name: 'Completed the 21-day program', rule: { event: 'program_completed' }, points: 100 },
    ]) {
      await request(server.baseUrl, '/api/hub/achievements', { method: 'POST', token: staffToken, body });
    }

    // 2. The bulk load, then VACUUM ANALYZE (visibility map for index-only scans, fresh statistics).
    const today = localDateAt(new Date(), settings.timezone);
    let since = performance.now();
    const loadTimings = await load(owner, { creatorId, habitIds, today });
    const vacuumSince = performance.now();
    await owner.query('vacuum analyze');
    loadTimings.vacuumAnalyze = Math.round(performance.now() - vacuumSince);
    const loadSeconds = round((performance.now() - since) / 1000);
    const { rows: sizes } = await owner.query<{ table: string; rows: number }>(
      `select 'habit_checkins' as table, count(*)::int as rows from habit_checkins where creator_id = $1
       union all select 'habit_checkin_marks', count(*)::int from habit_checkin_marks where creator_id = $1
       union all select 'member_habits', count(*)::int from member_habits where creator_id = $1
       union all select 'members', count(*)::int from members where creator_id = $1
       union all select 'member_points', count(*)::int from member_points where creator_id = $1
       union all select 'member_achievements', count(*)::int from member_achievements where creator_id = $1`,
      [creatorId],
    );
    const { rows: bytes } = await owner.query<{ name: string; size: string }>(
      `select relname as name, pg_size_pretty(pg_total_relation_size(oid)) as size from pg_class
        where relname in ('habit_checkins', 'habit_checkins_pkey', 'habit_checkin_marks')`,
    );
    console.log(
      `loaded in ${loadSeconds} s (then VACUUM ANALYZE): ${sizes.map((size) => `${size.table} ${size.rows.toLocaleString('en')}`).join(', ')}`,
    );

    // 3. The Progress screen over HTTP, as sampled members.
    issuer = createMemberTokenIssuer(server.runtime);
    const { rows: sampled } = await owner.query<{ id: string }>(
      `select id from members where creator_id = $1 order by md5(id::text) limit $2`,
      [creatorId, settings.sampledMembers],
    );
    const tokens: string[] = [];
    for (const member of sampled)
      tokens.push((await issuer.issue(creatorId, member.id, { userAgent: 'bench' })).accessToken);
    // Warm every endpoint first (JIT, connection pool, the sampled members' pages in PostgreSQL's cache).
    const fullYear = `/api/me/progress?from=${addDays(today, -settings.days)}&to=${today}`;
    for (const path of ['/api/me/progress', fullYear, '/api/me/habits']) {
      for (const token of tokens) await request(server.baseUrl, path, { token });
    }
    const progress = {
      progress12Weeks: await measure(server.baseUrl, tokens, '/api/me/progress'),
      progressFullYear: await measure(
        server.baseUrl,
        tokens,
        `/api/me/progress?from=${addDays(today, -settings.days)}&to=${today}`,
      ),
      habitsToday: await measure(server.baseUrl, tokens, '/api/me/habits'),
    };
    const sample = progress.progress12Weeks.sample;
    console.log(
      `sample progress: ${sample.habits.length} habits, streaks ${sample.habits.map((habit: any) => `${habit.streak.current}/${habit.streak.best}${habit.streak.unit[0]}`).join(' ')}, ${sample.points} points, level ${sample.level.name}, ${sample.calendar.length} calendar days`,
    );

    // 4. The nightly at-risk scan of the whole creator (what the habits-at-risk-scan job runs).
    const services = createHabitServices(server.runtime);
    const scans = [];
    for (let run = 0; run < settings.scanRuns; run += 1) {
      since = performance.now();
      const result = await services.habitsAtRisk.scan(creatorId, { force: true });
      const wallMs = Math.round(performance.now() - since);
      if (result.status !== 'scanned') throw new Error('the scan was skipped');
      scans.push({
        run: run + 1,
        wallMs,
        habitsEvaluated: result.habitsEvaluated,
        membersFlagged: result.membersFlagged,
        flagsChanged: result.changed,
      });
      console.log(
        `at-risk scan ${run + 1}: ${wallMs} ms, ${result.habitsEvaluated} adoptions, ${result.membersFlagged} members flagged, ${result.changed} flags changed`,
      );
    }
    const { rows: reasons } = await owner.query<{ code: string; habits: number; members: number }>(
      `select r ->> 'code' as code, count(*)::int as habits, count(distinct mh.member_id)::int as members
         from member_habits mh cross join jsonb_array_elements(mh.at_risk_reasons) r
        where mh.creator_id = $1 and mh.is_at_risk group by 1 order by 1`,
      [creatorId],
    );
    const { rows: cohorts } = await owner.query<{ cohort: string; members: number; flagged: number }>(
      `select case when n % 20 = 0 then 'stopped 10 days ago' when n % 20 = 1 then 'slowed down' else 'regular' end as cohort,
              count(*)::int as members,
              count(*) filter (where exists (select 1 from member_habits mh where mh.member_id = m.id and mh.is_at_risk))::int as flagged
         from members m cross join lateral (select substring(m.email from 'member(\\d+)@')::int as n) as numbered
        where m.creator_id = $1 group by 1 order by 1`,
      [creatorId],
    );

    // 5. Where the time goes: the statements of one scan and one progress request, re-run under EXPLAIN ANALYZE
    // as the application role in the tenant.
    const scanStatements = await captureStatements(server, () =>
      services.habitsAtRisk.scan(creatorId, { force: true }),
    );
    const progressStatements = await captureStatements(server, () =>
      request(server!.baseUrl, '/api/me/progress', { token: tokens[0] }),
    );
    const explained = {
      scan: await explainStatements(server, creatorId, scanStatements),
      progress: await explainStatements(server, creatorId, progressStatements),
    };

    const worstScan = Math.max(...scans.map((scan) => scan.wallMs));
    const progressP95 = progress.progress12Weeks.latencyMs.p95;
    const results = {
      benchmark: 'habits',
      date: new Date().toISOString(),
      command: 'npm run bench:habits',
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
      habits: habitSpecs.map(({ name, schedule }) => ({ name, schedule })),
      dataset: {
        rows: Object.fromEntries(sizes.map((size) => [size.table, size.rows])),
        sizes: Object.fromEntries(bytes.map((entry) => [entry.name, entry.size])),
        loadSeconds,
        loadTimingsMs: loadTimings,
      },
      progress: Object.fromEntries(
        Object.entries(progress).map(([name, entry]) => [
          name,
          { path: entry.path, latencyMs: entry.latencyMs },
        ]),
      ),
      atRiskScan: { runs: scans, reasons, cohorts },
      explain: explained,
      goals: [
        {
          goal: `GET /api/me/progress p95 < ${goals.progressP95Ms} ms`,
          actual: progressP95,
          met: progressP95 < goals.progressP95Ms,
        },
        {
          goal: `at-risk scan of the creator's ${settings.members.toLocaleString('en')} members < ${goals.atRiskScanMs / 1000} s`,
          actual: worstScan,
          met: worstScan < goals.atRiskScanMs,
        },
      ],
    };
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    const path = join(repoRoot, 'bench/results/habits.json');
    writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);

    console.log('\nmember endpoints (sequential requests, member tokens, sampled members)');
    console.log(
      table([
        ['request', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        ...Object.values(progress).map((entry) => [
          `GET ${entry.path.slice(0, 60)}`,
          entry.latencyMs.p50.toFixed(1),
          entry.latencyMs.p95.toFixed(1),
          entry.latencyMs.p99.toFixed(1),
          entry.latencyMs.max.toFixed(1),
        ]),
      ]),
    );
    console.log('\nat-risk flags by cohort');
    console.log(
      table([
        ['cohort', 'members', 'flagged'],
        ...cohorts.map((row) => [row.cohort, String(row.members), String(row.flagged)]),
      ]),
    );
    for (const goal of results.goals)
      console.log(`goal: ${goal.goal}: ${goal.actual} → ${goal.met ? 'met' : 'MISSED'}`);
    console.log(`wrote ${path} (${readFileSync(path).length} bytes)`);
  } finally {
    await stop();
  }
};

await main();
