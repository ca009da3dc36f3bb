import type { TAtRiskReason } from '@companero/contracts/creator-hub/habits';
import type { TenantTx } from '@companero/db/tenant';

/**
 * What habits and gamification need from other services, wired in apps/server. The creator hub never imports
 * the channel service or the program engine directly.
 */

export type AwardAnnouncement = {
  memberId: string;
  achievement: { id: string; name: string; description: string | null; icon: string | null; points: number };
  /** A ready-made message for the member ("🏆 You earned …"). */
  text: string;
};

/**
 * Tells the member on their channel that they earned an achievement, inside the award's transaction (the
 * message exists if and only if the award does): the channel service's proactive `sendInTx`. May return work to
 * run after the commit (publishing the live events), which callers run through `afterCommit`.
 */
export type AwardAnnouncer = (
  tx: TenantTx,
  announcement: AwardAnnouncement,
) => Promise<(() => Promise<void>) | undefined | void>;

export type AtRiskFlag = {
  memberId: string;
  habits: { memberHabitId: string; habitId: string; reasons: TAtRiskReason[] }[];
};

/**
 * Called by the nightly scan, inside the creator's transaction that writes the flags, with the members whose
 * habits were newly flagged tonight: a program trigger (e.g. enroll at-risk members in a re-engagement
 * program) can start from here.
 */
export type AtRiskHook = (tx: TenantTx, flagged: AtRiskFlag[]) => Promise<void>;
