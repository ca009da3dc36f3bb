import type { StaffRole } from './roles';

export type Actor =
  | { type: 'account'; id: string; role: StaffRole }
  | { type: 'member'; id: string }
  | { type: 'anonymous' }
  | { type: 'system' };

/** What every service method receives first: who acts, for which tenant, from where. */
export type RequestContext = {
  creatorId: string;
  actor: Actor;
  requestId: string;
  ip?: string;
  userAgent?: string;
};

export type StaffContext = RequestContext & { actor: Extract<Actor, { type: 'account' }> };
export type MemberContext = RequestContext & { actor: Extract<Actor, { type: 'member' }> };
