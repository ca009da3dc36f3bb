import { z } from 'zod';

const ZProblemBody = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details');

/** Documents the error statuses a route can answer, each an RFC 9457 problem (for OpenAPI). */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ZProblemBody])) as Record<number, typeof ZProblemBody>;
