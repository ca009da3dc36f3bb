import { gamificationLimits, levelFor } from '@companero/contracts/creator-hub/gamification';
import {
  habitLimits,
  type TCheckInResult,
  type TCreateCheckIn,
  type THabitProgressQuery,
  type TMemberHabit,
} from '@companero/contracts/creator-hub/habits';
import type { MemberContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { isTimeZone } from '@companero/core/time/time-zone';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { achievementsRepository } from '../repositories/achievements.repository';
import { habitScansRepository } from '../repositories/habit-scans.repository';
import { habitsRepository } from '../repositories/habits.repository';
import { memberHabitsRepository } from '../repositories/member-habits.repository';
import { memberProfilesRepository } from '../repositories/member-profiles.repository';
import { pointsRepository } from '../repositories/points.repository';
import { loadGamificationSettings } from './gamification.service';
import { type HabitCheckIns, habitNotAdopted, memberToday } from './habit-checkins.service';
import {
  buildHabitProgress,
  buildMemberHabits,
  buildMemberProgress,
  toAchievementView,
  toCheckIn,
} from './habit-progress.service';

/**
 * Adopts, for a member the program engine just enrolled, the habits attached to that program (inside the
 * enrollment's transaction). Habits already active stay as they are. Returns the adoption ids it created or
 * reactivated.
 */
export const adoptProgramHabits = async (
  tx: TenantTx,
  input: { memberId: string; programId: string; now?: Date },
): Promise<string[]> => {
  const clock = await memberToday(tx, input.memberId, input.now ?? new Date());
  if (!clock) return [];
  const adopted: string[] = [];
  for (const habitId of await habitsRepository.forProgram(tx, input.programId)) {
    const existing = await memberHabitsRepository.getByHabit(tx, input.memberId, habitId);
    if (existing?.status === 'active') continue;
    const result = await memberHabitsRepository.adopt(tx, {
      memberId: input.memberId,
      habitId,
      startedOn: clock.today,
      reminderTime: null,
    });
    adopted.push(result.id);
  }
  if (adopted.length > 0) await habitScansRepository.enroll(tx);
  return adopted;
};

export type MemberHabitsServiceDeps = { db: TenantDatabase; checkIns: HabitCheckIns; now?: () => Date };

/**
 * The member's side of habits and gamification (the /api/me routes, member tokens): adopt and leave habits, check
 * in, the Progress screen, achievements, the leaderboard and the profile it shows.
 */
export const createMemberHabitsService = (deps: MemberHabitsServiceDeps) => {
  const now = () => deps.now?.() ?? new Date();
  const inTenant = <T>(ctx: MemberContext, work: (tx: TenantTx) => Promise<T>) =>
    withTenant(deps.db, ctx.creatorId, work);

  const profileOf = async (ctx: MemberContext) =>
    inTenant(ctx, async (tx) => {
      const profile = await memberProfilesRepository.get(tx, ctx.actor.id);
      if (!profile) throw notFound('member');
      const settings = await loadGamificationSettings(tx);
      const points = await pointsRepository.total(tx, ctx.actor.id);
      return {
        displayName: profile.displayName,
        leaderboardOptIn: profile.leaderboardOptIn,
        timezone: profile.timezone,
        points,
        level: levelFor(settings.levels, points),
      };
    });

  return {
    list: (ctx: MemberContext) => inTenant(ctx, (tx) => buildMemberHabits(tx, ctx.actor.id, now())),

    /** Adopts a habit offered to the member; adopting one already active answers it with `isNew: false`. */
    async adopt(
      ctx: MemberContext,
      input: { habitId: string; reminderTime?: string | null },
    ): Promise<{ isNew: boolean; habit: TMemberHabit }> {
      const { id, isNew } = await inTenant(ctx, async (tx) => {
        const clock = await memberToday(tx, ctx.actor.id, now());
        if (!clock) throw notFound('member');
        if (!(await habitsRepository.isOfferedTo(tx, input.habitId, ctx.actor.id)))
          throw new AppError('NOT_FOUND', { message: 'The habit does not exist or is not offered to you.' });
        const existing = await memberHabitsRepository.getByHabit(tx, ctx.actor.id, input.habitId);
        if (existing?.status === 'active') return { id: existing.id, isNew: false };
        if (
          (await memberHabitsRepository.countActive(tx, ctx.actor.id)) >= habitLimits.maxActiveHabitsPerMember
        ) {
          throw new AppError('VALIDATION_FAILED', {
            message: `You can follow at most ${habitLimits.maxActiveHabitsPerMember} habits at a time: leave one first.`,
          });
        }
        const adopted = await memberHabitsRepository.adopt(tx, {
          memberId: ctx.actor.id,
          habitId: input.habitId,
          startedOn: clock.today,
          reminderTime: input.reminderTime ?? null,
        });
        await habitScansRepository.enroll(tx);
        return { id: adopted.id, isNew: !adopted.wasActive };
      });
      const { items } = await inTenant(ctx, (tx) => buildMemberHabits(tx, ctx.actor.id, now()));
      return { isNew, habit: items.find((item) => item.id === id)! };
    },

    /** Leaves the habit: no more reminders, streaks or at-risk flags; its check-ins and points stay. */
    async leave(ctx: MemberContext, memberHabitId: string) {
      await inTenant(ctx, async (tx) => {
        if (!(await memberHabitsRepository.end(tx, ctx.actor.id, memberHabitId))) throw habitNotAdopted();
      });
    },

    async setReminder(ctx: MemberContext, memberHabitId: string, reminderTime: string | null) {
      await inTenant(ctx, async (tx) => {
        if (!(await memberHabitsRepository.setReminder(tx, ctx.actor.id, memberHabitId, reminderTime)))
          throw habitNotAdopted();
      });
      const { items } = await inTenant(ctx, (tx) => buildMemberHabits(tx, ctx.actor.id, now()));
      return items.find((item) => item.id === memberHabitId)!;
    },

    /** One check-in per occurrence: a repeat answers the existing one with `isNew: false` and records nothing. */
    async checkIn(ctx: MemberContext, memberHabitId: string, input: TCreateCheckIn): Promise<TCheckInResult> {
      const outcome = await inTenant(ctx, (tx) =>
        deps.checkIns.record(tx, {
          memberId: ctx.actor.id,
          memberHabitId,
          date: input.date,
          status: input.status,
          value: input.value ?? null,
          source: input.source,
          clientId: input.clientId ?? null,
        }),
      );
      await outcome.afterCommit();
      return {
        checkIn: toCheckIn(outcome.checkIn),
        isNew: outcome.isNew,
        streak: outcome.streak,
        pointsAwarded: outcome.pointsAwarded,
        totalPoints: outcome.totalPoints,
        achievementsAwarded: outcome.achievementsAwarded.map(({ id, name, icon }) => ({ id, name, icon })),
      };
    },

    habitProgress: (ctx: MemberContext, memberHabitId: string, query: THabitProgressQuery) =>
      inTenant(ctx, (tx) => buildHabitProgress(tx, ctx.actor.id, memberHabitId, query, now())),

    progress: (ctx: MemberContext, query: THabitProgressQuery) =>
      inTenant(ctx, (tx) => buildMemberProgress(tx, ctx.actor.id, query, now())),

    achievements: (ctx: MemberContext) =>
      inTenant(ctx, async (tx) => {
        if (!(await memberProfilesRepository.get(tx, ctx.actor.id))) throw notFound('member');
        return { items: (await achievementsRepository.forMember(tx, ctx.actor.id)).map(toAchievementView) };
      }),

    /** The creator's leaderboard when enabled: opted-in members only, by the display name they chose. */
    leaderboard: (ctx: MemberContext) =>
      inTenant(ctx, async (tx) => {
        const profile = await memberProfilesRepository.get(tx, ctx.actor.id);
        if (!profile) throw notFound('member');
        const settings = await loadGamificationSettings(tx);
        const points = await pointsRepository.total(tx, ctx.actor.id);
        const isOnBoard = profile.leaderboardOptIn && profile.displayName !== null;
        const me = { isOptedIn: profile.leaderboardOptIn, displayName: profile.displayName, points };
        if (!settings.leaderboardEnabled) return { isEnabled: false, entries: [], me: { ...me, rank: null } };
        const rows = await pointsRepository.leaderboard(tx, gamificationLimits.leaderboardSize);
        const entries = rows.map((row) => ({
          // Equal points share a rank (1, 1, 3): the rows are sorted by points.
          rank: 1 + rows.filter((other) => other.points > row.points).length,
          displayName: row.displayName,
          points: row.points,
          level: levelFor(settings.levels, row.points).level,
          isMe: row.memberId === ctx.actor.id,
        }));
        return {
          isEnabled: true,
          entries,
          me: { ...me, rank: isOnBoard ? await pointsRepository.rankFor(tx, points) : null },
        };
      }),

    profile: profileOf,

    async updateProfile(
      ctx: MemberContext,
      patch: { displayName?: string | null; leaderboardOptIn?: boolean; timezone?: string },
    ) {
      if (patch.timezone !== undefined && !isTimeZone(patch.timezone)) {
        throw new AppError('VALIDATION_FAILED', {
          message: `"${patch.timezone}" is not a time zone (use a name such as Europe/Madrid).`,
          errors: [{ path: 'body.timezone', message: 'Unknown time zone' }],
        });
      }
      await inTenant(ctx, async (tx) => {
        const profile = await memberProfilesRepository.get(tx, ctx.actor.id);
        if (!profile) throw notFound('member');
        const displayName = patch.displayName !== undefined ? patch.displayName : profile.displayName;
        const optIn = patch.leaderboardOptIn ?? profile.leaderboardOptIn;
        if (optIn && !displayName) {
          throw new AppError('VALIDATION_FAILED', {
            message: 'Choose a display name to appear on the leaderboard.',
            errors: [{ path: 'body.displayName', message: 'Required while on the leaderboard' }],
          });
        }
        await memberProfilesRepository.update(tx, ctx.actor.id, patch);
      });
      return profileOf(ctx);
    },
  };
};

export type MemberHabitsService = ReturnType<typeof createMemberHabitsService>;
