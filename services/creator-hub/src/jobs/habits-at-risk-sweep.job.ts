import type { JobDefinition } from '@companero/db/job-queue';
import { z } from 'zod';

/**
 * Hourly (a pg-boss cron schedule): sends habits-at-risk-scan for every creator whose local time is past 03:00
 * and who was not scanned on their local date yet, so each creator is scanned once a night in their own zone.
 */
export const habitsAtRiskSweepJob = {
  name: 'habits-at-risk-sweep',
  schema: z.object({}),
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: false, expireInSeconds: 10 * 60 },
} satisfies JobDefinition<z.ZodType>;

/** Minute 7 of every hour, UTC (the sweep itself looks at each creator's local time). */
export const habitsAtRiskSweepCron = '7 * * * *';
