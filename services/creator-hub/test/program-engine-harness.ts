import { randomUUID } from 'node:crypto';
import { createChannelEvents, type PendingEvent } from '@companero/channel/services/channel-events.service';
import { createOutbox } from '@companero/channel/services/outbox.service';
import { createProactiveService } from '@companero/channel/services/proactive.service';
import { programStepJob } from '@companero/contracts/creator-hub/program-jobs';
import { type TProgramGraph, ZProgramGraph } from '@companero/contracts/creator-hub/programs';
import { loadConfig } from '@companero/core/config/load-config';
import { createRuntime, type Runtime } from '@companero/db/runtime';
import { type TenantTx, withAppRole, withTenant } from '@companero/db/tenant';
import { type Backend, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import { pino } from 'pino';
import type { ProgramEnginePorts, ProgramMessenger } from '../src/engine/ports';
import { createProgramEngine, type ProgramEngine } from '../src/engine/program-engine';
import { defineProgramJobs } from '../src/engine/program-jobs';
import { programsRepository } from '../src/repositories/programs.repository';

/**
 * A private database with the program engine over it: a fake clock the test moves, the channel service's real
 * proactive sender as the messenger port (so a message exists if and only if its step's transaction
 * committed), and `drain()` standing in for the workers (sweep due wake-ups, run their step jobs).
 */
export type EngineHarness = {
  runtime: Runtime;
  engine: ProgramEngine;
  clock: { now: Date; set(iso: string): void; advance(ms: number): void };
  messenger: ProgramMessenger & { failNextAfterSend?: boolean };
  ports: ProgramEnginePorts;
  createCreator(input?: { timezone?: string; name?: string }): Promise<string>;
  createMember(
    creatorId: string,
    input: {
      name?: string;
      timezone?: string | null;
      tags?: string[];
      attributes?: Record<string, unknown>;
      createdAt?: string;
      quietHours?: { start: string; end: string };
    },
  ): Promise<string>;
  /** Stores a program and publishes its graph as version 1 (or the next version). */
  publishProgram(
    creatorId: string,
    graph: unknown,
    programId?: string,
  ): Promise<{ programId: string; versionId: string }>;
  /** Sweeps due wake-ups and runs step jobs until none is left; returns how many jobs ran. */
  drain(): Promise<number>;
  inTenant<T>(creatorId: string, work: (tx: TenantTx) => Promise<T>): Promise<T>;
  /** The coach's messages to a member, oldest first. */
  sentTo(creatorId: string, memberId: string): Promise<string[]>;
  /** A member's inbound text, as the channel service's inbound transaction hands it to the engine. */
  reply(
    creatorId: string,
    memberId: string,
    text: string,
    firstMessage?: boolean,
  ): Promise<{ consumed: boolean; systemReply?: string }>;
  close(): Promise<void>;
};

export const startEngineHarness = async (
  backend: Backend,
  options: { ports?: Partial<ProgramEnginePorts>; start?: string } = {},
): Promise<EngineHarness> => {
  const environment: TestEnvironment = await createTestEnvironment(backend);
  const runtime = await createRuntime(loadConfig(environment.env), { migrate: true });
  await runtime.jobs.start();
  await defineProgramJobs(runtime.jobs);
  const logger = pino({ level: 'silent' });
  const clock = {
    now: new Date(options.start ?? '2030-03-04T15:00:00Z'),
    set(iso: string) {
      clock.now = new Date(iso);
    },
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  const events = createChannelEvents({ pubsub: runtime.cache.pubsub, logger: logger as never });
  const outbox = createOutbox({ jobs: runtime.jobs, events });
  const proactive = createProactiveService({ db: runtime.db, outbox, events, now: () => clock.now });
  const messenger: EngineHarness['messenger'] = {
    async sendInTx(tx, request) {
      const result = await proactive.sendInTxOrdered(tx, request);
      if (messenger.failNextAfterSend) {
        messenger.failNextAfterSend = false;
        throw new Error('simulated crash after the send was written, before the commit');
      }
      return result;
    },
    publish: (pending) => events.publishAll(pending as PendingEvent[]),
  };
  const ports: ProgramEnginePorts = { messenger, ...options.ports };
  const engine = createProgramEngine({
    db: runtime.db,
    jobs: runtime.jobs,
    ports,
    now: () => clock.now,
    logger,
    config: { schedulerIntervalMs: 50 },
  });

  const inTenant = <T>(creatorId: string, work: (tx: TenantTx) => Promise<T>) =>
    withTenant(runtime.db, creatorId, work);

  return {
    runtime,
    engine,
    clock,
    messenger,
    ports,
    inTenant,
    async createCreator(input = {}) {
      const creatorId = randomUUID();
      await inTenant(creatorId, (tx) =>
        tx.query('insert into creators (id, name, slug, timezone) values ($1, $2, $3, $4)', [
          creatorId,
          input.name ?? 'Ana Coaching',
          `c-${creatorId.slice(0, 8)}`,
          input.timezone ?? 'UTC',
        ]),
      );
      return creatorId;
    },
    async createMember(creatorId, input) {
      return inTenant(creatorId, async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `insert into members (creator_id, name, timezone, tags, attributes, quiet_hours, created_at)
           values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, coalesce($7::timestamptz, now())) returning id`,
          [
            creatorId,
            input.name ?? 'Sam Member',
            input.timezone ?? null,
            input.tags ?? [],
            JSON.stringify(input.attributes ?? {}),
            input.quietHours ? JSON.stringify(input.quietHours) : null,
            input.createdAt ?? null,
          ],
        );
        const memberId = rows[0]!.id;
        await tx.query(
          `insert into channel_identities (creator_id, member_id, channel, external_id) values ($1, $2, 'widget', $3)`,
          [creatorId, memberId, `visitor-${memberId}`],
        );
        return memberId;
      });
    },
    async publishProgram(creatorId, raw, existingId) {
      const graph: TProgramGraph = ZProgramGraph.parse(raw);
      return inTenant(creatorId, async (tx) => {
        const programId =
          existingId ??
          (await programsRepository.insert(tx, {
            name: `Program ${randomUUID().slice(0, 6)}`,
            description: null,
            draft: graph,
            createdBy: randomUUID(),
          }));
        const version = await programsRepository.insertVersion(tx, {
          programId,
          graph,
          revision: 1,
          publishedBy: randomUUID(),
        });
        // Published "now" on the fake clock, so trigger occurrences before it are not this version's.
        await tx.query(
          'update program_versions set published_at = $3 where program_id = $1 and version = $2',
          [programId, version, clock.now],
        );
        const row = await programsRepository.versionByNumber(tx, programId, version);
        return { programId, versionId: row!.id };
      });
    },
    async drain() {
      let ran = 0;
      for (let round = 0; round < 200; round += 1) {
        const swept = await engine.scheduler.sweepOnce();
        const jobs =
          (await runtime.jobs.boss.fetch<{ creatorId: string; enrollmentId: string; seq: number }>(
            programStepJob.name,
            { batchSize: 100 },
          )) ?? [];
        if (swept === 0 && jobs.length === 0) return ran;
        for (const job of jobs) {
          await engine.runStep(job.data);
          await runtime.jobs.boss.complete(programStepJob.name, job.id);
          ran += 1;
        }
      }
      throw new Error('drain: the program engine did not settle');
    },
    async sentTo(creatorId, memberId) {
      return inTenant(creatorId, async (tx) => {
        const { rows } = await tx.query<{ content: string }>(
          // Messages of one transaction share created_at: their channel events keep the order they were sent in.
          `select m.content from messages m where m.member_id = $1 and m.direction = 'out'
            order by m.created_at, (select min(e.id) from channel_events e where e.message_id = m.id), m.id`,
          [memberId],
        );
        return rows.map((row) => row.content);
      });
    },
    async reply(creatorId, memberId, text, firstMessage = false) {
      return inTenant(creatorId, (tx) =>
        engine.onInboundInTx(tx, {
          memberId,
          messageId: randomUUID(),
          text,
          channel: 'widget',
          firstMessage,
        }),
      );
    },
    async close() {
      await runtime.close();
      await environment.cleanup();
    },
  };
};

/** Wake-ups of every creator, as the scheduler sees them. */
export const pendingWakeups = (runtime: Runtime) =>
  withAppRole(
    runtime.db,
    async (tx) =>
      (
        await tx.query<{ enrollmentId: string; dueAt: Date }>(
          'select enrollment_id as "enrollmentId", due_at as "dueAt" from program_wakeups order by due_at',
        )
      ).rows,
    { programScheduler: true },
  );

type Edge = [source: string, target: string, handle?: string];
export const edges = (...list: Edge[]) =>
  list.map(([source, target, sourceHandle], index) => ({
    id: `e${index + 1}`,
    source,
    target,
    ...(sourceHandle ? { sourceHandle } : {}),
  }));
