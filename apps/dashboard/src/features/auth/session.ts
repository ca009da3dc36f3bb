import type { TStaffRole } from '@companero/contracts/auth/session';
import { useSyncExternalStore } from 'react';
import { useApi } from '../../api/api-context';
import type { SessionSnapshot } from '../../api/token-store';
import type { AccessClaims } from '../../lib/jwt-claims';

const roleRank: Record<TStaffRole, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };

export const hasRoleAtLeast = (role: TStaffRole, required: TStaffRole): boolean =>
  roleRank[role] >= roleRank[required];

/**
 * The role each action needs, mirroring the API's rules (API.md: viewer reads; editor changes content; admin
 * also manages team, channels and members' data). The UI disables what a role may not do; the server refuses
 * it anyway.
 */
export const requiredRole = {
  editKnowledge: 'editor',
  editCoach: 'editor',
  editPrograms: 'editor',
  editMembers: 'admin',
  importMembers: 'admin',
  exportMembers: 'admin',
  eraseMembers: 'admin',
  manageTeam: 'admin',
  manageChannels: 'admin',
  readAuditLog: 'admin',
  editSettings: 'admin',
} as const satisfies Record<string, TStaffRole>;

export type Action = keyof typeof requiredRole;

export const roleLabels: Record<TStaffRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  editor: 'Editor',
  viewer: 'Viewer',
};

export const roleDescriptions: Record<TStaffRole, string> = {
  owner: 'Everything, including deleting the creator and handing over ownership.',
  admin: 'Manages the team, channels and members’ data.',
  editor: 'Changes content: knowledge, programs and the coach persona.',
  viewer: 'Reads everything, changes nothing.',
};

export const useSession = (): SessionSnapshot => {
  const { tokens } = useApi();
  return useSyncExternalStore(tokens.subscribe, tokens.getSnapshot);
};

/** The signed-in staff claims; only used under <RequireSession>, which guarantees them. */
export const useClaims = (): AccessClaims => {
  const session = useSession();
  if (session.status !== 'signed-in') throw new Error('useClaims needs a signed-in session');
  return session.claims;
};

export const useCan = (action: Action): boolean => hasRoleAtLeast(useClaims().role, requiredRole[action]);

/** "Needs the admin role; you are a viewer." — next to a control the role may not use. */
export const permissionHint = (action: Action, role: TStaffRole): string =>
  `Needs the ${requiredRole[action]} role or higher; you are ${role === 'viewer' ? 'a' : 'an'} ${role}.`;

/** The prefix of every query key that holds one creator's data, so switching creator never shows stale rows. */
export const useCreatorScope = () => {
  const { creatorId } = useClaims();
  return ['creator', creatorId] as const;
};
