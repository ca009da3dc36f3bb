import { programStepJob } from '@companero/contracts/creator-hub/program-jobs';
import type { JobQueue } from '@companero/db/job-queue';
import type { z } from 'zod';

type StepPayload = z.output<typeof programStepJob.schema>;

export type StepWorkerOptions = {
  jobs: JobQueue;
  run: (job: StepPayload, attempt: { retryCount: number }) => Promise<void>;
  onError: (error: unknown, job: StepPayload | null) => void;
  /** Jobs fetched per round trip. */
  batchSize: number;
  /** Jobs of a batch run at once. */
  concurrency: number;
  /** Idle poll interval (a round that found jobs fetches again at once). */
  pollingIntervalMs: number;
};

/**
 * Works `program-step` jobs in batches through pg-boss' fetch/complete/fail. pg-boss' own `work` loop (as
 * JobQueue.work uses it) waits its polling interval after every fetch, found jobs or not: one job per worker per
 * half second, far too slow for the thousands of steps that fall due at 08:00 in one time zone. This loop fetches
 * again at once while there is work, runs a batch `concurrency` at a time, completes the successes in one
 * statement and fails the rest one by one (pg-boss then retries them with the queue's backoff).
 */
export const startStepWorker = (options: StepWorkerOptions) => {
  const { boss } = options.jobs;
  let isStopped = false;
  let wakeIdle: (() => void) | undefined;

  const runBatch = async (batch: { id: string; data: unknown; retryCount?: number }[]) => {
    const completed: string[] = [];
    let next = 0;
    const lane = async () => {
      while (next < batch.length) {
        const job = batch[next++]!;
        const parsed = programStepJob.schema.safeParse(job.data);
        try {
          if (!parsed.success) throw new Error(`invalid program-step payload: ${parsed.error.message}`);
          await options.run(parsed.data, { retryCount: job.retryCount ?? 0 });
          completed.push(job.id);
        } catch (error) {
          options.onError(error, parsed.success ? parsed.data : null);
          await boss
            .fail(programStepJob.name, job.id, {
              message: error instanceof Error ? error.message : String(error),
            })
            .catch((failError: unknown) => options.onError(failError, null));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, batch.length) }, lane));
    if (completed.length > 0) await boss.complete(programStepJob.name, completed);
  };

  const loop = async () => {
    while (!isStopped) {
      let found = 0;
      try {
        const batch = await boss.fetch(programStepJob.name, {
          batchSize: options.batchSize,
          includeMetadata: true,
        });
        found = batch?.length ?? 0;
        if (batch && found > 0) await runBatch(batch);
      } catch (error) {
        options.onError(error, null);
      }
      if (found === 0 && !isStopped)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.pollingIntervalMs);
          wakeIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
    }
  };
  const running = loop();

  return {
    /** Stops fetching and waits for the batch in flight. */
    async stop() {
      isStopped = true;
      wakeIdle?.();
      await running;
    },
  };
};
