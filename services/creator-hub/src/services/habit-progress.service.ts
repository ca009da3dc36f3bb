import { levelFor, ZGamificationSettings } from '@companero/contracts/creator-hub/gamification';
import {
  addDays,
  computeStreaks,
  currentWeekProgress,
  daysBetween,
  type HabitHistory,
  isDueToday,
  isScheduledOn,
  localDateAt,
  toCheckInMap,
  weeklyAdherence,
} from '@companero/contracts/creator-hub/habit-streaks';
import {
  habitLimits,
  type THabitCheckIn,
  type THabitProgressQuery,
  type TMemberHabit,
  type TMemberProgress,
} from '@companero/contracts/creator-hub/habits';
import { AppError, notFound } from '@companero/core/errors/app-error';
import type { TenantTx } from '@companero/db/tenant';
import { achievementsRepository, type MemberAchievementRow } from '../repositories/achievements.repository';
import { habitsRepository } from '../repositories/habits.repository';
import {
  type CheckInMark,
  type CheckInRow,
  type MemberHabitRow,
  memberHabitsRepository,
} from '../repositories/member-habits.repository';
import { memberProfilesRepository } from '../repositories/member-profiles.repository';
import { pointsRepository } from '../repositories/points.repository';
import { habitNotAdopted, memberToday, resolveMemberTimezone } from './habit-checkins.service';

const iso = (value: Date | string) => new Date(value).toISOString();

export const toCheckIn = (row: CheckInRow): THabitCheckIn => ({
  id: row.id,
  memberHabitId: row.memberHabitId,
  date: row.date,
  status: row.status,
  value: row.value,
  source: row.source,
  sourceMessageId: row.sourceMessageId,
  clientId: row.clientId,
  createdAt: iso(row.createdAt),
});

export const toTemplateSummary = (habit: MemberHabitRow['habit']) => ({
  id: habit.id,
  name: habit.name,
  description: habit.description,
  icon: habit.icon,
  schedule: habit.schedule,
  target: habit.target,
  reminderTime: habit.reminderTime,
});

export const toAchievementView = (row: MemberAchievementRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  icon: row.icon,
  points: row.points,
  isUnlocked: row.awardedAt !== null,
  awardedAt: row.awardedAt ? iso(row.awardedAt) : null,
});

const groupMarks = (marks: CheckInMark[]) => {
  const byHabit = new Map<string, CheckInMark[]>();
  for (const mark of marks) {
    const list = byHabit.get(mark.memberHabitId);
    if (list) list.push(mark);
    else byHabit.set(mark.memberHabitId, [mark]);
  }
  return byHabit;
};

/** The history of one adoption as of today; an ended adoption stops on the day it ended. */
const historyOf = (
  memberHabit: MemberHabitRow,
  marks: CheckInMark[],
  clock: { today: string; timezone: string },
): HabitHistory => {
  const endedOn =
    memberHabit.status === 'ended' && memberHabit.endedAt
      ? localDateAt(new Date(memberHabit.endedAt), clock.timezone)
      : null;
  let today = endedOn && endedOn < clock.today ? endedOn : clock.today;
  if (today < memberHabit.startedOn) today = memberHabit.startedOn;
  return {
    schedule: memberHabit.habit.schedule,
    startedOn: memberHabit.startedOn,
    today,
    checkIns: toCheckInMap(marks),
  };
};

/** from/to of a progress request: 12 weeks up to today by default, at most habitLimits.maxCalendarDays. */
const resolveRange = (query: THabitProgressQuery, today: string) => {
  const to = query.to ?? today;
  const from = query.from ?? addDays(to, -83);
  if (from > to) {
    throw new AppError('VALIDATION_FAILED', {
      message: '`from` must not be after `to`.',
      errors: [{ path: 'query.from', message: 'must not be after `to`' }],
    });
  }
  if (daysBetween(from, to) + 1 > habitLimits.maxCalendarDays) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Ask for at most ${habitLimits.maxCalendarDays} days at a time.`,
      errors: [{ path: 'query.from', message: `at most ${habitLimits.maxCalendarDays} days before \`to\`` }],
    });
  }
  return { from, to };
};

const requireClock = async (tx: TenantTx, memberId: string, now: Date) => {
  const clock = await memberToday(tx, memberId, now);
  if (!clock) throw notFound('member');
  return clock;
};

/** The member's active habits with today's state, and the habits offered to them they have not adopted. */
export const buildMemberHabits = async (tx: TenantTx, memberId: string, now: Date) => {
  const clock = await requireClock(tx, memberId, now);
  const adoptions = await memberHabitsRepository.listForMember(tx, memberId, { activeOnly: true });
  const ids = adoptions.map((adoption) => adoption.id);
  const marks = groupMarks(await memberHabitsRepository.marks(tx, ids));
  const todays = new Map(
    (await memberHabitsRepository.checkInsOn(tx, ids, clock.today)).map((row) => [row.memberHabitId, row]),
  );
  const items: TMemberHabit[] = adoptions.map((adoption) => {
    const history = historyOf(adoption, marks.get(adoption.id) ?? [], clock);
    const today = todays.get(adoption.id);
    return {
      id: adoption.id,
      habit: toTemplateSummary(adoption.habit),
      reminderTime: adoption.reminderTime ?? adoption.habit.reminderTime,
      startedOn: adoption.startedOn,
      today: {
        date: clock.today,
        isScheduled: isDueToday(history),
        checkIn: today ? toCheckIn(today) : null,
      },
      week: currentWeekProgress(history),
      streak: computeStreaks(history),
      isAtRisk: adoption.isAtRisk,
    };
  });
  const adopted = new Set(adoptions.map((adoption) => adoption.habitId));
  const available = (await habitsRepository.offeredTo(tx, memberId))
    .filter((habit) => !adopted.has(habit.id))
    .map(toTemplateSummary);
  return { items, available };
};

/** One adopted habit (active or ended): streak, adherence per week and the check-ins in the range. */
export const buildHabitProgress = async (
  tx: TenantTx,
  memberId: string,
  memberHabitId: string,
  query: THabitProgressQuery,
  now: Date,
) => {
  const clock = await requireClock(tx, memberId, now);
  const adoption = await memberHabitsRepository.getForMember(tx, memberId, memberHabitId);
  if (!adoption) throw habitNotAdopted();
  const { from, to } = resolveRange(query, clock.today);
  const history = historyOf(adoption, await memberHabitsRepository.marks(tx, [adoption.id]), clock);
  const checkIns = await memberHabitsRepository.checkInsBetween(tx, [adoption.id], from, to);
  return {
    memberHabitId: adoption.id,
    habit: toTemplateSummary(adoption.habit),
    status: adoption.status,
    startedOn: adoption.startedOn,
    streak: computeStreaks(history),
    adherence: weeklyAdherence(history, from, to),
    checkIns: checkIns.map(toCheckIn),
    isAtRisk: adoption.isAtRisk,
    atRiskReasons: adoption.atRiskReasons,
  };
};

/**
 * The Progress screen (and the creator's view of a member): every adoption's streak and weekly adherence, a
 * calendar of the range (occurrences due from daily and weekday habits, done and skipped check-ins per day),
 * points, level and every achievement, locked or unlocked.
 */
export const buildMemberProgress = async (
  tx: TenantTx,
  memberId: string,
  query: THabitProgressQuery,
  now: Date,
): Promise<TMemberProgress> => {
  // One statement for the member, their zone, the creator's settings and the points.
  const overview = await memberProfilesRepository.getWithGamification(tx, memberId);
  if (!overview) throw notFound('member');
  const timezone = resolveMemberTimezone(overview.timezone, overview.creatorTimezone);
  const clock = { timezone, today: localDateAt(now, timezone) };
  const settings = ZGamificationSettings.parse(overview.settings ?? {});
  const { from, to } = resolveRange(query, clock.today);
  const adoptions = await memberHabitsRepository.listForMember(tx, memberId, { activeOnly: false });
  const marks = groupMarks(
    await memberHabitsRepository.marks(
      tx,
      adoptions.map((adoption) => adoption.id),
    ),
  );

  const histories = adoptions.map((adoption) => ({
    adoption,
    history: historyOf(adoption, marks.get(adoption.id) ?? [], clock),
  }));
  const habits = histories.map(({ adoption, history }) => ({
    memberHabitId: adoption.id,
    habit: toTemplateSummary(adoption.habit),
    status: adoption.status,
    startedOn: adoption.startedOn,
    streak: computeStreaks(history),
    adherence: weeklyAdherence(history, from, to),
    isAtRisk: adoption.isAtRisk,
    atRiskReasons: adoption.atRiskReasons,
  }));

  const calendar: TMemberProgress['calendar'] = [];
  const span = daysBetween(from, to);
  for (let offset = 0; offset <= span; offset += 1) {
    const date = addDays(from, offset);
    let scheduled = 0;
    let done = 0;
    let skipped = 0;
    for (const { history } of histories) {
      if (date < history.startedOn || date > history.today) continue;
      if (history.schedule.type !== 'times_per_week' && isScheduledOn(history.schedule, date)) scheduled += 1;
      const status = history.checkIns.get(date);
      if (status === 'done') done += 1;
      else if (status === 'skipped') skipped += 1;
    }
    calendar.push({ date, scheduled, done, skipped });
  }

  const { points } = overview;
  const achievements = await achievementsRepository.forMember(tx, memberId);
  return {
    today: clock.today,
    timezone: clock.timezone,
    from,
    to,
    habits,
    calendar,
    points,
    level: levelFor(settings.levels, points),
    achievements: achievements.map(toAchievementView),
    isAtRisk: adoptions.some((adoption) => adoption.status === 'active' && adoption.isAtRisk),
  };
};

/**
 * What program conditions read about a member (TConditionFacts.habitStreaks and .points in program-logic.ts):
 * the current streak per habit name of the active adoptions, the point total, and whether any habit is at risk.
 */
export const habitConditionFacts = async (tx: TenantTx, memberId: string, now: Date = new Date()) => {
  const clock = await memberToday(tx, memberId, now);
  if (!clock) return null;
  const adoptions = await memberHabitsRepository.listForMember(tx, memberId, { activeOnly: true });
  const marks = groupMarks(
    await memberHabitsRepository.marks(
      tx,
      adoptions.map((adoption) => adoption.id),
    ),
  );
  const habitStreaks: Record<string, number> = {};
  for (const adoption of adoptions) {
    habitStreaks[adoption.habit.name] = computeStreaks(
      historyOf(adoption, marks.get(adoption.id) ?? [], clock),
    ).current;
  }
  return {
    habitStreaks,
    points: await pointsRepository.total(tx, memberId),
    isAtRisk: adoptions.some((adoption) => adoption.isAtRisk),
  };
};

/** For the member detail of the hub (ZMemberDetail.points and .streaks). */
export const memberGamificationSummary = async (tx: TenantTx, memberId: string, now: Date = new Date()) => {
  const clock = await memberToday(tx, memberId, now);
  if (!clock) return { points: null, streaks: [] };
  const adoptions = await memberHabitsRepository.listForMember(tx, memberId, { activeOnly: true });
  const marks = groupMarks(
    await memberHabitsRepository.marks(
      tx,
      adoptions.map((adoption) => adoption.id),
    ),
  );
  const streaks = adoptions.map((adoption) => {
    const streak = computeStreaks(historyOf(adoption, marks.get(adoption.id) ?? [], clock));
    return {
      habitId: adoption.habitId,
      name: adoption.habit.name,
      current: streak.current,
      best: streak.best,
    };
  });
  const points = await pointsRepository.total(tx, memberId);
  return { points: points > 0 ? points : null, streaks };
};

/** Everything habits and gamification keep about a member, for the GDPR export (member-data.service `habits`). */
export const exportMemberHabitData = async (tx: TenantTx, memberId: string) => {
  const adoptions = await memberHabitsRepository.listForMember(tx, memberId, { activeOnly: false });
  const ids = adoptions.map((adoption) => adoption.id);
  const profile = await memberProfilesRepository.get(tx, memberId);
  return {
    profile: profile
      ? { displayName: profile.displayName, leaderboardOptIn: profile.leaderboardOptIn }
      : null,
    adoptions: adoptions.map((adoption) => ({
      id: adoption.id,
      habit: { id: adoption.habitId, name: adoption.habit.name },
      status: adoption.status,
      reminderTime: adoption.reminderTime,
      startedOn: adoption.startedOn,
      endedAt: adoption.endedAt ? iso(adoption.endedAt) : null,
      isAtRisk: adoption.isAtRisk,
      atRiskReasons: adoption.atRiskReasons,
    })),
    checkIns: (await memberHabitsRepository.checkInsBetween(tx, ids, '0001-01-01', '9999-12-31')).map(
      toCheckIn,
    ),
    points: {
      total: await pointsRepository.total(tx, memberId),
      ledger: (await pointsRepository.ledgerOf(tx, memberId)).map((entry) => ({
        ...entry,
        createdAt: iso(entry.createdAt),
      })),
    },
    achievements: (await achievementsRepository.forMember(tx, memberId))
      .filter((achievement) => achievement.awardedAt !== null)
      .map((achievement) => ({
        id: achievement.id,
        name: achievement.name,
        awardedAt: iso(achievement.awardedAt!),
      })),
  };
};
