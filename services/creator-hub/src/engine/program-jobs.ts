import {
  programStepJob,
  programTriggerScanKey,
  programTriggersScanJob,
} from '@companero/contracts/creator-hub/program-jobs';
import type { Queryable } from '@companero/db/database';
import type { JobQueue } from '@companero/db/job-queue';
import type { Runtime } from '@companero/db/runtime';
import type { ProgramEngine, ProgramEngineLogger } from './program-engine';
import { startStepWorker } from './step-worker';

const minuteMs = 60_000;

/** Declares the program queues (required before a job is sent inside a transaction). */
export const defineProgramJobs = async (jobs: JobQueue) => {
  await jobs.define(programStepJob);
  await jobs.define(programTriggersScanJob);
};

/**
 * Schedules a creator's trigger scan at the start of the next minute (pg-boss' clock), merged with any scan
 * already scheduled for that minute. Publishing a program with inactivity/date/schedule triggers calls this;
 * the scan then keeps rescheduling itself while such programs exist.
 */
export const scheduleProgramTriggerScan = async (
  jobs: JobQueue,
  creatorId: string,
  options: { tx?: Queryable; at?: Date } = {},
) => {
  const minute = new Date(Math.ceil((options.at ?? new Date()).getTime() / minuteMs) * minuteMs);
  await jobs.send(
    programTriggersScanJob,
    { creatorId },
    {
      tx: options.tx,
      startAfter: minute,
      singletonKey: programTriggerScanKey(creatorId, minute),
      singletonSeconds: 3600,
    },
  );
};

export type ProgramWorkers = { stop(): Promise<void> };

/**
 * The engine's workers in this process: step jobs (a batched worker, see step-worker.ts), the per-creator
 * trigger scans and the scheduler loop. Call `stop()` before closing the runtime: it ends the scheduler loop
 * and the step worker, each after the sweep or batch in flight; the scan worker stops with the job queue.
 */
export const registerProgramWorkers = async (
  runtime: Pick<Runtime, 'jobs'>,
  logger: ProgramEngineLogger,
  engine: ProgramEngine,
): Promise<ProgramWorkers> => {
  await defineProgramJobs(runtime.jobs);
  const retryLimit = programStepJob.options.retryLimit;
  const steps = startStepWorker({
    jobs: runtime.jobs,
    run: async (job, attempt) => {
      await engine.runStep(job, { retryCount: attempt.retryCount, retryLimit });
    },
    onError: (error, job) =>
      logger.warn({ err: error, ...job }, 'program step failed; pg-boss retries it with backoff'),
    batchSize: 50,
    concurrency: engine.config.stepConcurrency,
    pollingIntervalMs: 500,
  });
  await runtime.jobs.work(
    programTriggersScanJob,
    async ({ creatorId }) => {
      const result = await engine.scanTriggers(creatorId);
      if (result.enrolled > 0) logger.info({ creatorId, ...result }, 'program triggers enrolled members');
      if (result.programs > 0) await scheduleProgramTriggerScan(runtime.jobs, creatorId);
    },
    { pollingIntervalSeconds: 2, localConcurrency: 1 },
  );
  engine.scheduler.start();
  return {
    async stop() {
      await Promise.all([engine.scheduler.stop(), steps.stop()]);
    },
  };
};
