import { z } from 'zod';
import { staffRoles } from './roles';

/** The claims of a Compañero access token (API.md, "Auth"). */
export const ZAccessTokenClaims = z.discriminatedUnion('typ', [
  z.object({
    typ: z.literal('staff'),
    sub: z.uuid(),
    cid: z.uuid(),
    role: z.enum(staffRoles),
    jti: z.string().min(1),
  }),
  z.object({
    typ: z.literal('member'),
    sub: z.uuid(),
    cid: z.uuid(),
    role: z.literal('member'),
    jti: z.string().min(1),
  }),
]);
export type TAccessTokenClaims = z.infer<typeof ZAccessTokenClaims>;
