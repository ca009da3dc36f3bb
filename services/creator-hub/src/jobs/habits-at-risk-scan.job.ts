import type { JobDefinition } from '@companero/db/job-queue';
import { z } from 'zod';

/**
 * Evaluates every active habit adoption of one creator against the at-risk rule and writes the flags the hub
 * reads. Sent by the hourly sweep once per creator-local night (after 03:00) and by the hub on demand (`force`).
 * Idempotent: a re-run recomputes the same flags.
 */
export const habitsAtRiskScanJob = {
  name: 'habits-at-risk-scan',
  schema: z.object({ creatorId: z.uuid(), force: z.boolean().default(false) }),
  options: { retryLimit: 5, retryDelay: 60, retryBackoff: true, expireInSeconds: 15 * 60 },
} satisfies JobDefinition<z.ZodType>;
