import { z } from 'zod';
import { ZEmail, ZStaffRole, ZTokenPair } from './session';

export const ZTeammate = z
  .object({
    accountId: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: ZStaffRole,
    joinedAt: z.string(),
  })
  .meta({ id: 'Teammate' });

export const ZInvitation = z
  .object({ id: z.uuid(), email: z.string(), role: ZStaffRole, expiresAt: z.string(), createdAt: z.string() })
  .meta({ id: 'Invitation' });

export const ZTeamResponse = z.object({ items: z.array(ZTeammate), invitations: z.array(ZInvitation) });

export const ZInviteRequest = z.object({ email: ZEmail, role: ZStaffRole });
export const ZInviteResponse = z.object({
  status: z
    .enum(['added', 'invited'])
    .describe('added: the account existed and is now on the team; invited: an invitation was sent'),
  teammate: ZTeammate.nullable(),
  invitation: ZInvitation.nullable(),
});

export const ZTeammateParams = z.object({ accountId: z.uuid() });
export const ZChangeRoleRequest = z.object({ role: ZStaffRole });

export const ZAcceptInvitationRequest = z.object({
  token: z.string().min(10).max(300),
  name: z.string().trim().min(1).max(120).optional(),
  password: z.string().min(1).max(256).optional(),
});
export const ZAcceptInvitationResponse = ZTokenPair.extend({ creatorId: z.uuid(), role: ZStaffRole });
