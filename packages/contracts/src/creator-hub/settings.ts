import { z } from 'zod';

export const ZCreatorSettings = z
  .object({ id: z.uuid(), name: z.string(), slug: z.string(), timezone: z.string(), createdAt: z.string() })
  .meta({ id: 'CreatorSettings' });

export const ZUpdateCreatorSettings = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    slug: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and dashes')
      .optional(),
    timezone: z.string().max(64).optional().describe('An IANA time zone such as Europe/Madrid'),
  })
  .refine((value) => Object.keys(value).length > 0, 'Send at least one field');
