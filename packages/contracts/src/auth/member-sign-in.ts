import { z } from 'zod';
import { ZEmail, ZTokenPair } from './session';

const ZCreatorSlug = z.string().trim().toLowerCase().min(1).max(63);

export const ZMemberCodeRequest = z.object({ creatorSlug: ZCreatorSlug, email: ZEmail });
export const ZMemberCodeResponse = z.object({ status: z.literal('sent'), expiresIn: z.number().int() });

export const ZMemberVerifyRequest = z.object({
  creatorSlug: ZCreatorSlug,
  email: ZEmail,
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'six digits'),
});
export const ZMemberVerifyResponse = ZTokenPair.extend({
  member: z.object({
    id: z.uuid(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    creatorId: z.uuid(),
  }),
});
