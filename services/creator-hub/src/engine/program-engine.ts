import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import {
  handleInboundInTx,
  handleTagAddedInTx,
  type InboundDecision,
  type InboundEvent,
} from './member-events';
import type { ProgramEnginePorts } from './ports';
import { createProgramScheduler, type SchedulerLogger } from './scheduler';
import { createStepRunner, type StepAttempt, type StepJob } from './step-runner';
import { type ScanResult, scanPeriodicTriggers } from './triggers';

export type ProgramEngineConfig = {
  /** How often the scheduler sweeps due wake-ups when the previous sweep found less than a full batch. */
  schedulerIntervalMs: number;
  /** Wake-ups taken per sweep transaction. */
  sweepBatchSize?: number;
  /** Instant nodes one step job runs before handing over to the next job. */
  maxStepsPerJob?: number;
  /** Step jobs one process works on at once. */
  stepConcurrency?: number;
};

export type ProgramEngineLogger = SchedulerLogger & {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
};

export type ProgramEngineDeps = {
  db: TenantDatabase;
  jobs: JobQueue;
  ports: ProgramEnginePorts;
  /** The clock of every due time, quiet-hours check and sweep (tests and the benchmark move a fake one). */
  now?: () => Date;
  logger: ProgramEngineLogger;
  config: ProgramEngineConfig;
};

/**
 * The durable program engine: each enrollment a state machine advanced by `program-step` jobs exactly once
 * per step (step-runner.ts), timed waits as wake-ups swept into jobs (scheduler.ts), triggers that enroll
 * (triggers.ts), and the hooks other transactions call (a member's inbound text, a tag added).
 */
export const createProgramEngine = (deps: ProgramEngineDeps) => {
  const now = deps.now ?? (() => new Date());
  const config = {
    sweepBatchSize: 500,
    maxStepsPerJob: 50,
    stepConcurrency: 4,
    ...deps.config,
  };
  const runner = createStepRunner({
    db: deps.db,
    ports: deps.ports,
    now,
    maxStepsPerJob: config.maxStepsPerJob,
  });
  const scheduler = createProgramScheduler({
    db: deps.db,
    jobs: deps.jobs,
    now,
    logger: deps.logger,
    intervalMs: config.schedulerIntervalMs,
    batchSize: config.sweepBatchSize,
  });

  return {
    config,
    now,
    ports: deps.ports,
    scheduler,

    /** Runs one `program-step` job (a no-op when the enrollment moved past `seq`). */
    runStep: (job: StepJob, attempt?: StepAttempt) => runner.run(job, attempt),

    /**
     * For the channel service, inside its inbound transaction after the message is stored: routes a reply to a
     * waiting ask, handles unsubscribe/resubscribe keywords, and enrolls by keyword and first-message triggers.
     */
    onInboundInTx: (tx: TenantTx, event: InboundEvent): Promise<InboundDecision> =>
      handleInboundInTx(tx, event, now()),

    /** For whoever adds tags to a member, in the same transaction: tag_added triggers enroll. */
    onTagAddedInTx: async (tx: TenantTx, memberId: string, tags: string | string[]): Promise<string[]> =>
      handleTagAddedInTx(tx, memberId, Array.isArray(tags) ? tags : [tags], now()),

    /** One scan of a creator's inactivity, date and schedule triggers at the engine's clock. */
    scanTriggers: (creatorId: string): Promise<ScanResult> =>
      withTenant(deps.db, creatorId, async (tx) => {
        const { rows } = await tx.query<{ timezone: string }>('select timezone from creators where id = $1', [
          creatorId,
        ]);
        return scanPeriodicTriggers(tx, { now: now(), creatorTimezone: rows[0]?.timezone ?? 'UTC' });
      }),
  };
};

export type ProgramEngine = ReturnType<typeof createProgramEngine>;
