import type { JobDefinition } from '@companero/db/job-queue';
import { z } from 'zod';

/** Erases one member everywhere (rows, cache keys, queued jobs). Durable: a crash mid-way retries it. */
export const eraseMemberJob = {
  name: 'hub-erase-member',
  schema: z.object({ creatorId: z.uuid(), memberId: z.uuid(), requestedBy: z.uuid().nullable() }),
  options: { retryLimit: 10, retryDelay: 10, retryBackoff: true, expireInSeconds: 600 },
} satisfies JobDefinition<z.ZodType>;
