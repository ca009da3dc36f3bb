import {
  addDays,
  checkInDateProblem,
  computeStreaks,
  localDateAt,
  reachedMilestones,
  type StreakSummary,
  toCheckInMap,
} from '@companero/contracts/creator-hub/habit-streaks';
import {
  checkInSources,
  habitLimits,
  parseHabitCheckInPayload,
} from '@companero/contracts/creator-hub/habits';
import { AppError } from '@companero/core/errors/app-error';
import { isTimeZone } from '@companero/core/time/time-zone';
import type { TenantTx } from '@companero/db/tenant';
import {
  type CheckInRow,
  type MemberHabitRow,
  memberHabitsRepository,
} from '../repositories/member-habits.repository';
import { memberProfilesRepository } from '../repositories/member-profiles.repository';
import { pointsRepository } from '../repositories/points.repository';
import {
  type AwardedAchievement,
  loadGamificationSettings,
  type RecordEventResult,
} from './gamification.service';
import { matchHabitReply } from './habit-reply-matcher';

/** The member's time zone: their own when valid, else the creator's, else UTC. */
export const resolveMemberTimezone = (
  memberTimezone: string | null,
  creatorTimezone: string | null,
): string => {
  if (memberTimezone && isTimeZone(memberTimezone)) return memberTimezone;
  if (creatorTimezone && isTimeZone(creatorTimezone)) return creatorTimezone;
  return 'UTC';
};

/** The member's time zone and today's date there; null when the member does not exist (in this tenant). */
export const memberToday = async (tx: TenantTx, memberId: string, now: Date) => {
  const profile = await memberProfilesRepository.get(tx, memberId);
  if (!profile) return null;
  const timezone = resolveMemberTimezone(profile.timezone, profile.creatorTimezone);
  return { profile, timezone, today: localDateAt(now, timezone) };
};

export const habitNotAdopted = () =>
  new AppError('NOT_FOUND', { message: 'You have not adopted this habit (or you left it).' });

const dateProblemMessages = {
  future: 'The date is in the future: check in once it has happened.',
  too_old: `Check-ins can be recorded up to ${habitLimits.maxBackfillDays} days back.`,
  before_start: 'The date is before you adopted this habit.',
} as const;

export type CheckInInput = {
  memberId: string;
  memberHabitId: string;
  /** Member-local date; today when absent. */
  date?: string;
  status: 'done' | 'skipped';
  value?: number | null;
  source: string;
  sourceMessageId?: string | null;
  clientId?: string | null;
};

export type CheckInOutcome = {
  checkIn: CheckInRow;
  /** false: the occurrence (or this message, or this client id) was already checked in; nothing was recorded. */
  isNew: boolean;
  memberHabit: MemberHabitRow;
  streak: StreakSummary;
  pointsAwarded: number;
  totalPoints: number;
  achievementsAwarded: AwardedAchievement[];
  afterCommit: () => Promise<void>;
};

export type RecordEvent = (
  tx: TenantTx,
  event: {
    memberId: string;
    type: 'checkin' | 'streak_milestone';
    key: string;
    data: Record<string, unknown>;
  },
) => Promise<RecordEventResult>;

export type HabitCheckInsDeps = { recordEvent: RecordEvent; now?: () => Date };

export type MessageCheckInInput = {
  memberId: string;
  /** messages.id of the stored inbound message: one check-in per message. */
  messageId: string;
  text: string | null;
  /** A button's payload (WhatsApp quick reply, Telegram callback data): `habit:{memberHabitId}:done|skip`. */
  payload?: string | null;
  /** The channel the message came in on (the check-in's source). */
  channel?: string;
};

export type MessageCheckInResult =
  | {
      outcome: 'recorded' | 'already_checked_in' | 'duplicate_message';
      habit: { memberHabitId: string; habitId: string; name: string };
      checkIn: CheckInRow;
      streak: StreakSummary;
      pointsAwarded: number;
      achievementsAwarded: AwardedAchievement[];
      /** What the channel may answer ("✅ Morning run logged — 5-day streak!"). */
      reply: string;
      /** A button press or a reply that says nothing else: the coach need not answer it too. */
      isBareCheckIn: boolean;
      afterCommit: () => Promise<void>;
    }
  | {
      outcome: 'not_a_check_in';
      reason:
        | 'no_intent'
        | 'negated'
        | 'no_habit_mentioned'
        | 'ambiguous'
        | 'no_active_habits'
        | 'unknown_habit'
        | 'invalid_date';
      /** Adoption ids the reply could mean (ambiguous / no habit named): the channel may ask which one. */
      candidates: { memberHabitId: string; name: string }[];
    };

const noop = async () => {};

const replyFor = (
  outcome: 'recorded' | 'already_checked_in' | 'duplicate_message',
  name: string,
  checkIn: CheckInRow,
  streak: StreakSummary,
) => {
  if (outcome !== 'recorded') return `“${name}” was already checked in for ${checkIn.date}.`;
  if (checkIn.status === 'skipped') return `👍 “${name}” skipped for ${checkIn.date}. Your streak is safe.`;
  const unit = streak.unit === 'week' ? 'week' : 'day';
  return streak.current > 1
    ? `✅ “${name}” logged — ${streak.current}-${unit} streak!`
    : `✅ “${name}” logged. Keep it going!`;
};

/**
 * Check-ins from every channel: the app and the widget through the member API, WhatsApp and Telegram buttons and
 * plain replies through the channel inbound. Each occurrence (adoption + member-local date) is recorded once;
 * a check-in from a message once per message id; the app's retries once per client id.
 */
export const createHabitCheckIns = (deps: HabitCheckInsDeps) => {
  const now = () => deps.now?.() ?? new Date();

  /**
   * Records a check-in inside the caller's transaction; a done check-in pays its points and streak milestones
   * and evaluates achievements. A repeat answers the existing check-in with `isNew: false`.
   * Throws NOT_FOUND when the member has not adopted the habit, VALIDATION_FAILED for a future, too old or
   * pre-adoption date.
   */
  const record = async (tx: TenantTx, input: CheckInInput): Promise<CheckInOutcome> => {
    const clock = await memberToday(tx, input.memberId, now());
    if (!clock) throw habitNotAdopted();
    const memberHabit = await memberHabitsRepository.getForMember(tx, input.memberId, input.memberHabitId);
    if (memberHabit?.status !== 'active') throw habitNotAdopted();

    const existingBy = async () => {
      if (input.sourceMessageId) {
        const byMessage = await memberHabitsRepository.checkInByMessage(tx, input.sourceMessageId);
        if (byMessage) return byMessage;
      }
      if (input.clientId) {
        const byClient = await memberHabitsRepository.checkInByClientId(tx, memberHabit.id, input.clientId);
        if (byClient) return byClient;
      }
      return null;
    };
    // A retried request or a re-delivered message answers what it recorded the first time, even days later.
    let existing = await existingBy();
    let inserted: CheckInRow | null = null;
    if (!existing) {
      const date = input.date ?? clock.today;
      const problem = checkInDateProblem(date, {
        today: clock.today,
        startedOn: memberHabit.startedOn,
        maxBackfillDays: habitLimits.maxBackfillDays,
      });
      if (problem) {
        throw new AppError('VALIDATION_FAILED', {
          message: dateProblemMessages[problem],
          errors: [{ path: 'body.date', message: dateProblemMessages[problem] }],
        });
      }
      inserted = await memberHabitsRepository.insertCheckIn(tx, {
        memberHabitId: memberHabit.id,
        date,
        status: input.status,
        value: input.value ?? null,
        source: input.source,
        sourceMessageId: input.sourceMessageId ?? null,
        clientId: input.clientId ?? null,
      });
      existing = inserted
        ? null
        : ((await existingBy()) ??
          (await memberHabitsRepository.checkInByOccurrence(tx, memberHabit.id, date)));
    }
    const checkIn = inserted ?? existing;
    if (!checkIn) throw new Error('check-in conflict without an existing check-in');

    const marks = await memberHabitsRepository.marks(tx, [memberHabit.id]);
    const streak = computeStreaks({
      schedule: memberHabit.habit.schedule,
      startedOn: memberHabit.startedOn,
      today: clock.today,
      checkIns: toCheckInMap(marks),
    });
    let pointsAwarded = 0;
    let totalPoints: number | null = null;
    const achievementsAwarded: AwardedAchievement[] = [];
    const afterCommit: (() => Promise<void>)[] = [];
    if (inserted && inserted.status === 'done') {
      const data = {
        habitId: memberHabit.habitId,
        memberHabitId: memberHabit.id,
        date: inserted.date,
        streak: streak.current,
      };
      const events: Parameters<RecordEvent>[1][] = [
        { memberId: input.memberId, type: 'checkin', key: `${memberHabit.id}:${inserted.date}`, data },
      ];
      const { streakMilestones } = await loadGamificationSettings(tx);
      for (const milestone of reachedMilestones(streakMilestones, streak.current)) {
        // Once per adopted habit and milestone: a backfill that reshapes the run cannot pay it twice.
        events.push({
          memberId: input.memberId,
          type: 'streak_milestone',
          key: `${memberHabit.id}:${milestone}`,
          data: { ...data, milestone },
        });
      }
      for (const event of events) {
        const result = await deps.recordEvent(tx, event);
        pointsAwarded += result.pointsAwarded;
        totalPoints = result.totalPoints;
        achievementsAwarded.push(...result.awarded);
        afterCommit.push(result.afterCommit);
      }
    }
    totalPoints ??= await pointsRepository.total(tx, input.memberId);
    return {
      checkIn,
      isNew: inserted !== null,
      memberHabit,
      streak,
      pointsAwarded,
      totalPoints,
      achievementsAwarded,
      afterCommit: async () => {
        for (const work of afterCommit) await work();
      },
    };
  };

  /**
   * A check-in from an inbound message, inside the channel's inbound transaction: a button payload
   * (`habit:{memberHabitId}:done|skip`) or a plain reply read by matchHabitReply (habit-reply-matcher.ts). Records
   * at most one check-in per message id; a re-delivered message answers `duplicate_message` with the check-in it
   * made. Never throws for what the member wrote: anything else answers `not_a_check_in` with the reason.
   */
  const fromMessage = async (tx: TenantTx, input: MessageCheckInInput): Promise<MessageCheckInResult> => {
    const previous = await memberHabitsRepository.checkInByMessage(tx, input.messageId);
    if (previous) {
      // A re-delivered message: answer what it recorded, whatever the member's habits are now.
      const clock = await memberToday(tx, input.memberId, now());
      const memberHabit = await memberHabitsRepository.getForMember(
        tx,
        input.memberId,
        previous.memberHabitId,
      );
      if (clock && memberHabit) {
        const streak = computeStreaks({
          schedule: memberHabit.habit.schedule,
          startedOn: memberHabit.startedOn,
          today: clock.today,
          checkIns: toCheckInMap(await memberHabitsRepository.marks(tx, [memberHabit.id])),
        });
        return {
          outcome: 'duplicate_message',
          habit: {
            memberHabitId: memberHabit.id,
            habitId: memberHabit.habitId,
            name: memberHabit.habit.name,
          },
          checkIn: previous,
          streak,
          pointsAwarded: 0,
          achievementsAwarded: [],
          reply: replyFor('duplicate_message', memberHabit.habit.name, previous, streak),
          isBareCheckIn: true,
          afterCommit: noop,
        };
      }
    }
    const source = checkInSources.includes(input.channel as (typeof checkInSources)[number])
      ? input.channel!
      : 'api';
    const active = await memberHabitsRepository.listForMember(tx, input.memberId, { activeOnly: true });
    const notACheckIn = (
      reason: Extract<MessageCheckInResult, { outcome: 'not_a_check_in' }>['reason'],
      candidateIds: string[] = [],
    ): MessageCheckInResult => ({
      outcome: 'not_a_check_in',
      reason,
      candidates: active
        .filter((memberHabit) => candidateIds.includes(memberHabit.id))
        .map((memberHabit) => ({ memberHabitId: memberHabit.id, name: memberHabit.habit.name })),
    });

    let target: {
      memberHabitId: string;
      status: 'done' | 'skipped';
      dayOffset: 0 | -1;
      isBare: boolean;
    } | null = null;
    const button = input.payload ? parseHabitCheckInPayload(input.payload) : null;
    if (button) {
      target = { memberHabitId: button.memberHabitId, status: button.status, dayOffset: 0, isBare: true };
    } else if (input.text) {
      const match = matchHabitReply(
        input.text,
        active.map((memberHabit) => ({
          id: memberHabit.id,
          name: memberHabit.habit.name,
          keywords: memberHabit.habit.keywords,
        })),
      );
      if (match.kind === 'none') return notACheckIn(match.reason, match.candidates);
      target = {
        memberHabitId: match.habitId,
        status: match.status,
        dayOffset: match.dayOffset,
        isBare: match.isBareCheckIn,
      };
    } else {
      return notACheckIn('no_intent');
    }

    const memberHabit = active.find((entry) => entry.id === target.memberHabitId);
    if (!memberHabit) return notACheckIn('unknown_habit');
    const clock = await memberToday(tx, input.memberId, now());
    if (!clock) return notACheckIn('unknown_habit');
    try {
      const outcome = await record(tx, {
        memberId: input.memberId,
        memberHabitId: memberHabit.id,
        date: addDays(clock.today, target.dayOffset),
        status: target.status,
        source,
        sourceMessageId: input.messageId,
      });
      const kind = outcome.isNew ? 'recorded' : 'already_checked_in';
      return {
        outcome: kind,
        habit: { memberHabitId: memberHabit.id, habitId: memberHabit.habitId, name: memberHabit.habit.name },
        checkIn: outcome.checkIn,
        streak: outcome.streak,
        pointsAwarded: outcome.pointsAwarded,
        achievementsAwarded: outcome.achievementsAwarded,
        reply: replyFor(kind, memberHabit.habit.name, outcome.checkIn, outcome.streak),
        isBareCheckIn: target.isBare,
        afterCommit: outcome.isNew ? outcome.afterCommit : noop,
      };
    } catch (error) {
      // "Did my run yesterday" on the adoption day: nothing to record, and nothing for the channel to fail on.
      if (error instanceof AppError && error.code === 'VALIDATION_FAILED') return notACheckIn('invalid_date');
      throw error;
    }
  };

  return { record, fromMessage };
};

export type HabitCheckIns = ReturnType<typeof createHabitCheckIns>;
