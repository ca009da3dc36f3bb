import { z } from 'zod';
import { ZAccount, ZEmail, ZTokenPair } from './session';

export const ZRegisterRequest = z.object({
  email: ZEmail,
  password: z.string().min(1).max(256),
  name: z.string().trim().min(1).max(120),
  creatorName: z.string().trim().min(1).max(120),
  creatorSlug: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and dashes')
    .optional()
    .describe('Public handle of the creator (widget, app sign-in). Derived from creatorName when omitted.'),
  timezone: z.string().max(64).optional(),
});
export type TRegisterRequest = z.infer<typeof ZRegisterRequest>;

export const ZRegisterResponse = ZTokenPair.extend({
  account: ZAccount,
  creator: z.object({ id: z.uuid(), name: z.string(), slug: z.string() }),
});
export type TRegisterResponse = z.infer<typeof ZRegisterResponse>;
