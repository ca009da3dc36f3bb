import { z } from 'zod';

export const ZStaffRole = z.enum(['owner', 'admin', 'editor', 'viewer']);
export type TStaffRole = z.infer<typeof ZStaffRole>;

export const ZEmail = z.string().trim().toLowerCase().max(254).pipe(z.email());

export const ZAccount = z
  .object({ id: z.uuid(), email: z.string(), name: z.string(), createdAt: z.string() })
  .meta({ id: 'Account' });

export const ZMembership = z
  .object({ creatorId: z.uuid(), creatorName: z.string(), creatorSlug: z.string(), role: ZStaffRole })
  .meta({ id: 'Membership' });

export const ZTokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().describe('Seconds until the access token expires'),
  tokenType: z.literal('Bearer'),
});
export type TTokenPair = z.infer<typeof ZTokenPair>;
