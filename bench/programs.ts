/**
 * `npm run bench:programs`: the program engine's scheduler and step workers on PostgreSQL.
 *
 * 100,000 enrollments (10 creators × 10,000 members, spread over 24 time zones) wait at a "wait until 08:00"
 * node, loaded in bulk with SQL as the owner, followed by a message node. The engine runs in this process with
 * a fake clock, the real scheduler loop, the batched step worker and the channel service's real proactive
 * sender (each send is a stored message, a channel event and a proactive_sends row). The fake clock moves from
 * one due time to the next (24 steps); for each step we measure, in real time, how long after the clock passed
 * the due time each step ran (its message's commit time), until the time zone's members are all served.
 * Then: no member got two messages (or two step records), and no message went out in quiet hours (member-local
 * 21:00–08:00, the default) or before its due time.
 *
 * Needs DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a superuser, to create the private
 * database). BENCH_ENROLLMENTS overrides the size (e.g. 5000 for a quick check), BENCH_STEP_CONCURRENCY the
 * steps run at once (16). Writes bench/results/programs.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createChannelEvents, type PendingEvent } from '@companero/channel/services/channel-events.service';
import { createOutbox } from '@companero/channel/services/outbox.service';
import { createProactiveService } from '@companero/channel/services/proactive.service';
import { isInQuietHours, nextLocalTime } from '@companero/contracts/creator-hub/program-logic';
import { ZProgramGraph } from '@companero/contracts/creator-hub/programs';
import { loadConfig } from '@companero/core/config/load-config';
import { createProgramEngine } from '@companero/creator-hub/engine/program-engine';
import { registerProgramWorkers } from '@companero/creator-hub/engine/program-jobs';
import { programsRepository } from '@companero/creator-hub/repositories/programs.repository';
import { createRuntime } from '@companero/db/runtime';
import { withTenant } from '@companero/db/tenant';
import { type Backend, createTestEnvironment } from '@companero/testing/backends';
import { pino } from 'pino';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';

const numberFromEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
};

export const settings = {
  enrollments: numberFromEnv('BENCH_ENROLLMENTS', 100_000),
  creators: 10,
  // 24 zones, from UTC−11 to UTC+13 (one with a half-hour offset), with and without DST.
  timezones: [
    'Pacific/Pago_Pago',
    'Pacific/Honolulu',
    'America/Anchorage',
    'America/Los_Angeles',
    'America/Denver',
    'America/Chicago',
    'America/New_York',
    'America/Halifax',
    'America/Sao_Paulo',
    'Atlantic/South_Georgia',
    'Atlantic/Azores',
    'Europe/London',
    'Europe/Madrid',
    'Europe/Athens',
    'Europe/Moscow',
    'Asia/Dubai',
    'Asia/Karachi',
    'Asia/Kolkata',
    'Asia/Dhaka',
    'Asia/Bangkok',
    'Asia/Shanghai',
    'Asia/Tokyo',
    'Australia/Sydney',
    'Pacific/Auckland',
  ],
  waitStartedAt: '2030-03-04T00:00:00Z',
  time: '08:00',
  quietHours: { start: '21:00', end: '08:00' },
  stepConcurrency: numberFromEnv('BENCH_STEP_CONCURRENCY', 16),
  schedulerIntervalMs: 1000,
  /** Give up on a time zone's step after this long (real time). */
  stepTimeoutMs: 300_000,
};

const goals = { maxLatencySeconds: 60, duplicates: 0, inQuietHours: 0, early: 0 };
const backend: Backend = { name: 'postgres', usesPostgres: true, usesRedis: false };
const repoRoot = join(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const graph = ZProgramGraph.parse({
  nodes: [
    { id: 'start', type: 'start', data: {} },
    { id: 'morning', type: 'wait', data: { mode: 'until', time: settings.time } },
    { id: 'hello', type: 'message', data: { text: 'Good morning {{member.firstName}}!' } },
    { id: 'end', type: 'end' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'morning' },
    { id: 'e2', source: 'morning', target: 'hello' },
    { id: 'e3', source: 'hello', target: 'end' },
  ],
});

const main = async () => {
  const environment = await createTestEnvironment(backend, {
    DATABASE_POOL_SIZE: String(settings.stepConcurrency + 4),
  });
  const config = loadConfig(environment.env);
  const runtime = await createRuntime(config, { migrate: true });
  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
  let stopWorkers: (() => Promise<void>) | undefined;
  try {
    await runtime.jobs.start();
    const loadAverageAtStart = os.loadavg()[0]!;
    const owner = runtime.database; // the superuser connection: bulk loads bypass RLS like a migration would

    // ---- load: creators, members with a widget identity, published program, waiting enrollments ----------
    const loadStarted = performance.now();
    const perCreator = Math.ceil(settings.enrollments / settings.creators);
    const waitStartedAt = new Date(settings.waitStartedAt);
    const dueByZone = new Map(
      settings.timezones.map((zone) => [zone, nextLocalTime(waitStartedAt, zone, settings.time)]),
    );
    const creators: { id: string; programId: string; versionId: string }[] = [];
    for (let index = 0; index < settings.creators; index += 1) {
      const id = crypto.randomUUID();
      await owner.query('insert into creators (id, name, slug, timezone) values ($1, $2, $3, $4)', [
        id,
        `Bench coach ${index}`,
        `bench-programs-${index}-${id.slice(0, 6)}`,
        'UTC',
      ]);
      const program = await withTenant(runtime.db, id, async (tx) => {
        const programId = await programsRepository.insert(tx, {
          name: 'Morning check-in',
          description: null,
          draft: graph,
          createdBy: id,
        });
        await programsRepository.insertVersion(tx, { programId, graph, revision: 1, publishedBy: id });
        const version = await programsRepository.versionByNumber(tx, programId, 1);
        return { programId, versionId: version!.id };
      });
      creators.push({ id, ...program });
      const zones = settings.timezones;
      await owner.query(
        `with zone as (select ordinality - 1 as n, name, due from unnest($3::text[], $4::timestamptz[]) with ordinality as z(name, due))
         , inserted as (
           insert into members (creator_id, name, timezone)
           select $1, 'Member ' || i, (select name from zone where n = i % $5) from generate_series(1, $2) as i
           returning id, timezone
         ), identities as (
           insert into channel_identities (creator_id, member_id, channel, external_id)
           select $1, id, 'widget', 'bench-' || id from inserted
         ), enrollments as (
           insert into program_enrollments (creator_id, program_id, version_id, member_id, status, current_node_id,
                                            seq, waiting_for, wake_at, source)
           select $1, $6, $7, inserted.id, 'waiting', 'morning', 2, 'time', zone.due, 'bench'
             from inserted join zone on zone.name = inserted.timezone
           returning id, wake_at
         )
         insert into program_wakeups (enrollment_id, creator_id, seq, due_at) select id, $1, 2, wake_at from enrollments`,
        [
          id,
          perCreator,
          zones,
          zones.map((zone) => dueByZone.get(zone)!),
          zones.length,
          program.programId,
          program.versionId,
        ],
      );
    }
    await owner.query('analyze');
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const total = perCreator * settings.creators;
    console.log(`loaded ${total} waiting enrollments in ${round(loadSeconds, 1)} s`);

    // ---- the engine on a fake clock, with the channel service's proactive sender -------------------------
    const clock = { now: new Date(waitStartedAt.getTime() + 60_000) };
    const events = createChannelEvents({ pubsub: runtime.cache.pubsub, logger: logger as never });
    const proactive = createProactiveService({
      db: runtime.db,
      outbox: createOutbox({ jobs: runtime.jobs, events }),
      events,
      now: () => clock.now,
    });
    const engine = createProgramEngine({
      db: runtime.db,
      jobs: runtime.jobs,
      ports: {
        messenger: {
          sendInTx: (tx, request) => proactive.sendInTxOrdered(tx, request),
          publish: (pending) => events.publishAll(pending as PendingEvent[]),
        },
      },
      now: () => clock.now,
      logger,
      config: {
        schedulerIntervalMs: settings.schedulerIntervalMs,
        stepConcurrency: settings.stepConcurrency,
      },
    });
    const workers = await registerProgramWorkers(runtime, logger, engine);
    stopWorkers = () => workers.stop();

    // ---- move the clock from one due time to the next; wait until each is served ----------------------------
    const dueTimes = [...new Set([...dueByZone.values()].map((due) => due.getTime()))].sort((a, b) => a - b);
    const sentCount = async () =>
      Number(
        (await owner.query<{ count: string }>(`select count(*) from messages where direction = 'out'`))
          .rows[0]!.count,
      );
    const released: { due: Date; releasedAt: number; expected: number; servedAt: number }[] = [];
    const runStarted = performance.now();
    let expectedSoFar = 0;
    for (const dueTime of dueTimes) {
      const zones = settings.timezones.filter((zone) => dueByZone.get(zone)!.getTime() === dueTime);
      const expected = Number(
        (
          await owner.query<{ count: string }>(`select count(*) from program_wakeups where due_at = $1`, [
            new Date(dueTime),
          ])
        ).rows[0]!.count,
      );
      expectedSoFar += expected;
      clock.now = new Date(dueTime);
      const releasedAt = Date.now();
      for (;;) {
        if ((await sentCount()) >= expectedSoFar) break;
        if (Date.now() - releasedAt > settings.stepTimeoutMs)
          throw new Error(`time zones ${zones} not served`);
        await sleep(200);
      }
      const servedAt = Date.now();
      released.push({ due: new Date(dueTime), releasedAt, expected, servedAt });
      console.log(
        `${new Date(dueTime).toISOString()} ${zones.join(', ')}: ${expected} steps served in ${round((servedAt - releasedAt) / 1000, 1)} s`,
      );
      // Half an hour of fake time passes before the next due time (nothing may run early meanwhile).
      clock.now = new Date(dueTime + 30 * 60_000);
    }
    const runSeconds = (performance.now() - runStarted) / 1000;
    await sleep(2 * settings.schedulerIntervalMs);
    await workers.stop();
    stopWorkers = undefined;

    // ---- check: latency from due (real release) to send, duplicates, quiet hours, early sends --------------
    const { rows: sends } = await owner.query<{
      memberId: string;
      timezone: string;
      sentAt: Date;
      localSentAt: Date;
    }>(
      `select m.member_id as "memberId", mem.timezone, m.created_at as "sentAt", s.created_at as "localSentAt"
         from messages m join members mem on mem.id = m.member_id
         join proactive_sends s on s.message_id = m.id
        where m.direction = 'out'`,
    );
    const releasedByDue = new Map(released.map((entry) => [entry.due.getTime(), entry.releasedAt]));
    const latencies: number[] = [];
    let inQuietHours = 0;
    let early = 0;
    const perMember = new Map<string, number>();
    for (const send of sends) {
      perMember.set(send.memberId, (perMember.get(send.memberId) ?? 0) + 1);
      const due = dueByZone.get(send.timezone)!;
      latencies.push((new Date(send.sentAt).getTime() - releasedByDue.get(due.getTime())!) / 1000);
      if (isInQuietHours(new Date(send.localSentAt), send.timezone, settings.quietHours)) inQuietHours += 1;
      if (new Date(send.localSentAt).getTime() < due.getTime()) early += 1;
    }
    const duplicates = [...perMember.values()].filter((count) => count > 1).length;
    const { rows: stepDuplicates } = await owner.query<{ count: string }>(
      `select count(*) from (select enrollment_id from program_steps where node_id = 'hello'
         group by enrollment_id having count(*) > 1) d`,
    );
    const { rows: statuses } = await owner.query<{ status: string; count: string }>(
      'select status, count(*) from program_enrollments group by status order by status',
    );
    const { rows: messageRows } = await owner.query<{ count: string }>(
      `select count(*) from messages where direction = 'out'`,
    );
    latencies.sort((a, b) => a - b);
    const perStep = released.map((entry) => ({
      due: entry.due.toISOString(),
      zones: settings.timezones.filter((zone) => dueByZone.get(zone)!.getTime() === entry.due.getTime()),
      steps: entry.expected,
      servedSeconds: round((entry.servedAt - entry.releasedAt) / 1000, 2),
    }));
    const maxLatency = latencies.at(-1) ?? 0;
    const results = {
      benchmark: 'programs',
      command: 'npm run bench:programs',
      date: new Date().toISOString(),
      node: process.version,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: round(os.totalmem() / 2 ** 30, 1),
        loadAverage1mAtStart: round(loadAverageAtStart),
        loadAverage1mAtEnd: round(os.loadavg()[0]!),
      },
      settings: {
        ...settings,
        backend: 'PostgreSQL (in-process cache)',
        messenger: 'channel proactive service',
      },
      figures: {
        enrollments: total,
        loadSeconds: round(loadSeconds, 1),
        messagesSent: Number(messageRows[0]!.count),
        enrollmentStatuses: Object.fromEntries(statuses.map((row) => [row.status, Number(row.count)])),
        latencySeconds: {
          p50: round(percentile(latencies, 50)),
          p95: round(percentile(latencies, 95)),
          p99: round(percentile(latencies, 99)),
          max: round(maxLatency),
        },
        stepsPerSecond: round(total / perStep.reduce((sum, step) => sum + step.servedSeconds, 0), 1),
        runSeconds: round(runSeconds, 1),
        duplicateMessages: duplicates,
        duplicateStepRecords: Number(stepDuplicates[0]!.count),
        sentInQuietHours: inQuietHours,
        sentBeforeDue: early,
        perDueTime: perStep,
      },
      goals: [
        {
          goal: `every due step runs within ${goals.maxLatencySeconds} s of its due time`,
          value: round(maxLatency),
          met: maxLatency <= goals.maxLatencySeconds && Number(messageRows[0]!.count) === total,
        },
        {
          goal: 'no step runs twice',
          value: duplicates + Number(stepDuplicates[0]!.count),
          met: duplicates === 0,
        },
        {
          goal: 'no send inside quiet hours or before its due time',
          value: inQuietHours + early,
          met: inQuietHours + early === 0,
        },
      ],
    };
    mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench/results/programs.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(
      `\n${total} enrollments, ${results.figures.messagesSent} sent; latency p50 ${results.figures.latencySeconds.p50} s, p95 ${results.figures.latencySeconds.p95} s, max ${results.figures.latencySeconds.max} s; ${results.figures.stepsPerSecond} steps/s`,
    );
    for (const goal of results.goals)
      console.log(`goal: ${goal.goal}: ${goal.value} → ${goal.met ? 'met' : 'MISSED'}`);
  } finally {
    await stopWorkers?.().catch(() => {});
    await runtime.close();
    await environment.cleanup();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
