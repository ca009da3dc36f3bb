import { programStepJob } from '@companero/contracts/creator-hub/program-jobs';
import type { JobQueue } from '@companero/db/job-queue';
import { type AppTx, type TenantDatabase, withAppRole } from '@companero/db/tenant';
import { wakeupsRepository } from './enrollments.repository';

export type SchedulerLogger = {
  error(object: object, message: string): void;
  debug?(object: object, message: string): void;
};

/**
 * Turns due wake-ups into step jobs. Every timed thing an enrollment waits for (a wait node, an ask's timeout,
 * a send deferred by quiet hours or the daily cap, and "run soon" for new enrollments and replies) is one row
 * in program_wakeups; the sweep takes due rows of every creator (the scheduler's RLS scope reads ids and times
 * only), deletes them and inserts their jobs in the same transaction, so a due step is enqueued exactly when
 * its wake-up is gone. Replicas take turns (one sweep at a time; see wakeupsRepository.takeDue).
 */
export const createProgramScheduler = (deps: {
  db: TenantDatabase;
  jobs: JobQueue;
  now: () => Date;
  logger: SchedulerLogger;
  intervalMs: number;
  batchSize: number;
}) => {
  // pg-boss' bulk insert (one statement per batch) run on the sweep's own transaction.
  const enqueue = async (tx: AppTx, rows: { enrollmentId: string; creatorId: string; seq: number }[]) => {
    const jobs = rows.map((row) => ({
      name: programStepJob.name,
      data: programStepJob.schema.parse({
        creatorId: row.creatorId,
        enrollmentId: row.enrollmentId,
        seq: row.seq,
      }),
      singletonKey: `${row.enrollmentId}:${row.seq}`,
    }));
    await deps.jobs.boss.insert(jobs, {
      db: { executeSql: (text: string, values?: unknown[]) => tx.query(text, values ?? []) },
    } as Parameters<JobQueue['boss']['insert']>[1]);
  };

  /** One sweep: takes up to batchSize due wake-ups and enqueues their jobs; returns how many. */
  const sweepOnce = async (): Promise<number> =>
    withAppRole(
      deps.db,
      async (tx) => {
        const due = await wakeupsRepository.takeDue(tx, { now: deps.now(), limit: deps.batchSize });
        if (due.length > 0) await enqueue(tx, due);
        return due.length;
      },
      { programScheduler: true },
    );

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let isStopped = true;

  const loop = async () => {
    try {
      // A full batch means more may be due: sweep again at once.
      while (!isStopped && (await sweepOnce()) === deps.batchSize) {}
    } catch (error) {
      deps.logger.error({ err: error }, 'program scheduler sweep failed; retrying');
    }
    if (!isStopped) timer = setTimeout(tick, deps.intervalMs);
  };
  const tick = () => {
    running = loop();
  };

  return {
    sweepOnce,
    /** Sweeps every intervalMs (and back to back while batches come back full). */
    start() {
      if (!isStopped) return;
      isStopped = false;
      tick();
    },
    /** Stops the loop and waits for a sweep in flight. */
    async stop() {
      isStopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
};

export type ProgramScheduler = ReturnType<typeof createProgramScheduler>;
