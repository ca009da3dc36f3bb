import { z } from 'zod';

/**
 * Runs the step an enrollment is at when its `seq` is still `seq` (a replayed or late job finds the enrollment
 * moved on and does nothing). What the step does (enter a node, resume a wait, take a reply or a timeout) is
 * read from the enrollment row under its lock, never from the payload: `reply` is informational.
 */
export const programStepJob = {
  name: 'program-step',
  schema: z.object({
    creatorId: z.uuid(),
    enrollmentId: z.uuid(),
    seq: z.number().int().min(0),
    reply: z.object({ text: z.string().max(10_000), messageId: z.uuid().optional() }).optional(),
  }),
  // Retries cover slow effects that failed (AI compose/classify, webhook POST); the last attempt takes the
  // node's failure path instead of throwing (see step-runner.ts).
  options: { retryLimit: 4, retryDelay: 5, retryBackoff: true, expireInSeconds: 5 * 60 },
};

/**
 * Enrolls a creator's members whose inactivity, date or schedule trigger occurrence is due, then schedules
 * itself for the next minute while the creator has published programs with such triggers. Sent by publishing
 * (scheduleProgramTriggerScan) and by the scan itself; duplicates merge (one job per creator and minute).
 */
export const programTriggersScanJob = {
  name: 'program-triggers-scan',
  schema: z.object({ creatorId: z.uuid() }),
  options: { retryLimit: 10, retryDelay: 15, retryBackoff: true, expireInSeconds: 10 * 60 },
};

/** The singleton key of a creator's trigger scan for the minute starting at `minuteStart`. */
export const programTriggerScanKey = (creatorId: string, minuteStart: Date) =>
  `${creatorId}@${minuteStart.toISOString().slice(0, 16)}`;
