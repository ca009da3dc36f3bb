import { z } from 'zod';

export const ZEraseAccountRequest = z.object({ password: z.string().min(1).max(256) });
export const ZEraseAccountResponse = z.object({
  status: z.literal('erased'),
  deletedCreators: z
    .array(z.uuid())
    .describe('Creators deleted with the account because it was their only teammate'),
});

export const ZAccountExport = z.object({
  exportedAt: z.string(),
  account: z.object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    createdAt: z.string(),
    lastLoginAt: z.string().nullable(),
  }),
  memberships: z.array(
    z.object({ creatorId: z.uuid(), creatorName: z.string(), role: z.string(), since: z.string() }),
  ),
  sessions: z.array(
    z.object({
      creatorId: z.uuid(),
      createdAt: z.string(),
      expiresAt: z.string(),
      usedAt: z.string().nullable(),
      revokedAt: z.string().nullable(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
    }),
  ),
  auditLog: z.array(
    z.object({
      creatorId: z.uuid(),
      action: z.string(),
      targetType: z.string().nullable(),
      targetId: z.string().nullable(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      createdAt: z.string(),
    }),
  ),
  invitationsSent: z.array(
    z.object({ creatorId: z.uuid(), email: z.string(), role: z.string(), createdAt: z.string() }),
  ),
});
export type TAccountExport = z.infer<typeof ZAccountExport>;
