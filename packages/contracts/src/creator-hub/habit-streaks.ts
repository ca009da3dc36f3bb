import type { TAtRiskReason, THabitSchedule } from './habits';

/**
 * Habit schedules, streaks, weekly adherence and the at-risk rule, as pure functions over member-local
 * calendar dates (`YYYY-MM-DD`). Shared by the creator hub and the Compañero app: no Node-only imports.
 *
 * Dates are calendar days in the member's time zone. Arithmetic between them is on day numbers (days since
 * 1970-01-01), so the 23- and 25-hour days of a DST change are still one day each; only `localDateAt` looks at
 * a time zone, to turn an instant into the member's date. Weeks run Monday to Sunday.
 *
 * Semantics:
 * - An occurrence is a scheduled date from the adoption date (`startedOn`) to today. Today is still open: no
 *   check-in yet today breaks nothing.
 * - daily / weekdays: the streak counts consecutive occurrences checked in as done. A skip keeps the streak
 *   without adding to it; an occurrence without any check-in breaks it. Check-ins on unscheduled days (a run on
 *   Wednesday for a Tuesday/Thursday habit) are kept but neither extend nor break the streak.
 * - times_per_week (N): the streak counts consecutive weeks with N done check-ins (the adoption week needs only
 *   as many as days were left in it). A past week short of N breaks it, unless done + skipped reaches N (an
 *   excused week, like a skip). The current week counts once it reaches N and never breaks the streak.
 */

export type LocalDate = string;
export type CheckInStatus = 'done' | 'skipped';

export type HabitHistory = {
  schedule: THabitSchedule;
  /** The member-local date the adoption (re)started: nothing before it counts. */
  startedOn: LocalDate;
  /** The member's date now. */
  today: LocalDate;
  /** One check-in per member-local date. */
  checkIns: ReadonlyMap<LocalDate, CheckInStatus>;
};

export type StreakSummary = {
  current: number;
  best: number;
  unit: 'day' | 'week';
  /** The first date of the current run (its first occurrence, or the Monday of its first week). */
  currentSince: LocalDate | null;
};

export type WeekAdherence = {
  /** The Monday of the week. */
  week: LocalDate;
  expected: number;
  done: number;
  skipped: number;
  /** min(done, expected) / expected, or null when nothing was expected. */
  rate: number | null;
  isComplete: boolean;
};

export type AtRiskRule = {
  /** Scheduled occurrences in a row without any check-in that flag the habit. */
  missedDays: number;
  /** How far the last two complete weeks' adherence may fall below the two weeks before. */
  adherenceDrop: number;
  /** …while it is at most this (a fall from 100 % to 70 % is noise for a habit done twice a week). */
  adherenceFloor: number;
};

export type AtRiskEvaluation = { isAtRisk: boolean; reasons: TAtRiskReason[] };

// ---- calendar arithmetic --------------------------------------------------------------------------------------

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export const isLocalDate = (value: string): boolean => {
  const match = datePattern.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

// Days ↔ civil dates with integer arithmetic only (H. Hinnant's algorithms, proleptic Gregorian): no Date objects,
// so the nightly scan can evaluate tens of thousands of habits without allocating one per day.
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
};

const pad2 = (value: number) => (value < 10 ? `0${value}` : `${value}`);

/** Days since 1970-01-01 of a YYYY-MM-DD date (no time zone involved). */
export const toDayNumber = (date: LocalDate): number => {
  const match = datePattern.exec(date);
  if (!match) throw new Error(`Not a YYYY-MM-DD date: ${date}`);
  return daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
};

export const fromDayNumber = (dayNumber: number): LocalDate => {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
};

export const addDays = (date: LocalDate, days: number): LocalDate => fromDayNumber(toDayNumber(date) + days);

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: LocalDate, to: LocalDate): number => toDayNumber(to) - toDayNumber(from);

const weekdayOfDay = (day: number) => (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday

/** 0 = Sunday … 6 = Saturday. */
export const weekdayOf = (date: LocalDate): number => weekdayOfDay(toDayNumber(date));

const mondayOfDay = (day: number) => day - ((weekdayOfDay(day) + 6) % 7);

/** The Monday of the week `date` is in. */
export const weekStartOf = (date: LocalDate): LocalDate => fromDayNumber(mondayOfDay(toDayNumber(date)));

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date at `instant` in `timeZone` (an IANA name). Throws a RangeError for an unknown zone, so
 * callers resolve the member's zone (member, else creator, else UTC) before.
 */
export const localDateAt = (instant: Date, timeZone: string): LocalDate => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(instant)) parts[part.type] = part.value;
  return `${parts.year!.padStart(4, '0')}-${parts.month}-${parts.day}`;
};

// ---- schedules ----------------------------------------------------------------------------------------------

const isScheduledOnDay = (schedule: THabitSchedule, day: number): boolean =>
  schedule.type === 'weekdays' ? schedule.weekdays.includes(weekdayOfDay(day)) : true;

/**
 * Whether `date` is an occurrence of the schedule. Every day is one for daily habits; for times_per_week any
 * day may hold one of the week's N, so every day answers true.
 */
export const isScheduledOn = (schedule: THabitSchedule, date: LocalDate): boolean =>
  isScheduledOnDay(schedule, toDayNumber(date));

/** Occurrences from `from` to `to`, both included (daily and weekdays; every day for times_per_week). */
export const countScheduledDates = (schedule: THabitSchedule, from: LocalDate, to: LocalDate): number => {
  const first = toDayNumber(from);
  const last = toDayNumber(to);
  if (last < first) return 0;
  const days = last - first + 1;
  if (schedule.type !== 'weekdays') return days;
  const perWeek = new Set(schedule.weekdays).size;
  let count = Math.floor(days / 7) * perWeek;
  for (let day = first + Math.floor(days / 7) * 7; day <= last; day += 1) {
    if (isScheduledOnDay(schedule, day)) count += 1;
  }
  return count;
};

/** Scheduled dates from `from` to `to`, both included, oldest first. */
export const scheduledDates = (schedule: THabitSchedule, from: LocalDate, to: LocalDate): LocalDate[] => {
  const dates: LocalDate[] = [];
  for (let day = toDayNumber(from); day <= toDayNumber(to); day += 1) {
    if (isScheduledOnDay(schedule, day)) dates.push(fromDayNumber(day));
  }
  return dates;
};

/** Done check-ins a times_per_week habit needs in the week starting `monday` (fewer in the adoption week). */
const requiredInWeek = (times: number, monday: number, startDay: number): number =>
  startDay > monday ? Math.max(0, Math.min(times, 7 - (startDay - monday))) : times;

/** Builds the date → status map the functions take from a list of check-ins (the first one of a date wins). */
export const toCheckInMap = (
  checkIns: Iterable<{ date: LocalDate; status: CheckInStatus }>,
): Map<LocalDate, CheckInStatus> => {
  const map = new Map<LocalDate, CheckInStatus>();
  for (const checkIn of checkIns) if (!map.has(checkIn.date)) map.set(checkIn.date, checkIn.status);
  return map;
};

// ---- streaks ------------------------------------------------------------------------------------------------

const weekCounts = (history: HabitHistory, monday: number) => {
  let done = 0;
  let skipped = 0;
  const startDay = toDayNumber(history.startedOn);
  const todayDay = toDayNumber(history.today);
  for (let day = Math.max(monday, startDay); day <= Math.min(monday + 6, todayDay); day += 1) {
    const status = history.checkIns.get(fromDayNumber(day));
    if (status === 'done') done += 1;
    else if (status === 'skipped') skipped += 1;
  }
  return { done, skipped };
};

/** Current and best streak of one adopted habit (see the semantics above). */
export const computeStreaks = (history: HabitHistory): StreakSummary => {
  const startDay = toDayNumber(history.startedOn);
  const todayDay = toDayNumber(history.today);
  const { schedule } = history;
  let current = 0;
  let best = 0;
  let currentSince: number | null = null;

  if (schedule.type === 'times_per_week') {
    for (let monday = mondayOfDay(startDay); monday <= todayDay; monday += 7) {
      const required = requiredInWeek(schedule.times, monday, startDay);
      const { done, skipped } = weekCounts(history, monday);
      const isCurrentWeek = monday + 6 >= todayDay;
      if (done >= required && required > 0) {
        if (current === 0) currentSince = monday;
        current += 1;
        best = Math.max(best, current);
      } else if (!isCurrentWeek && done + skipped < required) {
        current = 0;
        currentSince = null;
      }
    }
    return {
      current,
      best,
      unit: 'week',
      currentSince: currentSince === null ? null : fromDayNumber(currentSince),
    };
  }

  for (let day = startDay; day <= todayDay; day += 1) {
    if (!isScheduledOnDay(schedule, day)) continue;
    const status = history.checkIns.get(fromDayNumber(day));
    if (status === 'done') {
      if (current === 0) currentSince = day;
      current += 1;
      best = Math.max(best, current);
    } else if (status === undefined && day < todayDay) {
      current = 0;
      currentSince = null;
    }
  }
  return {
    current,
    best,
    unit: 'day',
    currentSince: currentSince === null ? null : fromDayNumber(currentSince),
  };
};

// ---- adherence ----------------------------------------------------------------------------------------------

const weekAdherence = (history: HabitHistory, monday: number): WeekAdherence => {
  const startDay = toDayNumber(history.startedOn);
  const todayDay = toDayNumber(history.today);
  const { schedule } = history;
  const isComplete = monday + 6 < todayDay;
  let expected = 0;
  let done = 0;
  let skipped = 0;
  if (schedule.type === 'times_per_week') {
    expected = requiredInWeek(schedule.times, monday, startDay);
    ({ done, skipped } = weekCounts(history, monday));
  } else {
    for (let day = Math.max(monday, startDay); day <= Math.min(monday + 6, todayDay); day += 1) {
      if (!isScheduledOnDay(schedule, day)) continue;
      const status = history.checkIns.get(fromDayNumber(day));
      // Today is still open: it is expected only once it has a check-in.
      if (day === todayDay && status === undefined) continue;
      expected += 1;
      if (status === 'done') done += 1;
      else if (status === 'skipped') skipped += 1;
    }
  }
  return {
    week: fromDayNumber(monday),
    expected,
    done,
    skipped,
    rate: expected > 0 ? Math.min(done, expected) / expected : null,
    isComplete,
  };
};

/**
 * Adherence per week for the weeks that overlap [from, to] and the adoption (up to today), oldest first. The
 * current week's entry has `isComplete: false` (times_per_week: its rate is the progress toward N).
 */
export const weeklyAdherence = (history: HabitHistory, from: LocalDate, to: LocalDate): WeekAdherence[] => {
  const first = Math.max(toDayNumber(from), toDayNumber(history.startedOn));
  const last = Math.min(toDayNumber(to), toDayNumber(history.today));
  const weeks: WeekAdherence[] = [];
  for (let monday = mondayOfDay(first); monday <= last; monday += 7)
    weeks.push(weekAdherence(history, monday));
  return weeks;
};

/** What a times_per_week habit has done and needs this week, or the occurrences so far for the others. */
export const currentWeekProgress = (history: HabitHistory): { done: number; expected: number } => {
  const todayDay = toDayNumber(history.today);
  const monday = mondayOfDay(todayDay);
  if (history.schedule.type === 'times_per_week') {
    return {
      done: weekCounts(history, monday).done,
      expected: requiredInWeek(history.schedule.times, monday, toDayNumber(history.startedOn)),
    };
  }
  const firstDay = Math.max(monday, toDayNumber(history.startedOn));
  let done = 0;
  let expected = 0;
  for (let day = firstDay; day <= monday + 6; day += 1) {
    if (!isScheduledOnDay(history.schedule, day)) continue;
    expected += 1;
    if (day <= todayDay && history.checkIns.get(fromDayNumber(day)) === 'done') done += 1;
  }
  return { done, expected };
};

/** Whether the member is expected to do the habit today (times_per_week: while the week's N is not met). */
export const isDueToday = (history: HabitHistory): boolean => {
  if (toDayNumber(history.today) < toDayNumber(history.startedOn)) return false;
  if (history.schedule.type !== 'times_per_week') return isScheduledOn(history.schedule, history.today);
  const progress = currentWeekProgress(history);
  return progress.done < progress.expected || history.checkIns.has(history.today);
};

// ---- at risk ------------------------------------------------------------------------------------------------

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Flags a habit whose member is slipping, with why:
 * - `missed`: `rule.missedDays` or more occurrences in a row without any check-in, up to yesterday (today is
 *   open). For times_per_week a silent day counts N/7 of an occurrence.
 * - `adherence_falling`: over the four complete weeks before this one, the adherence of the last two is at least
 *   `rule.adherenceDrop` below that of the two before, and at most `rule.adherenceFloor` (all four weeks inside
 *   the adoption).
 * `lastCheckInOn` is the latest check-in date when `history.checkIns` holds only a recent window of them.
 */
export const evaluateAtRisk = (
  history: HabitHistory,
  rule: AtRiskRule,
  lastCheckInOn: LocalDate | null = null,
): AtRiskEvaluation => {
  const reasons: TAtRiskReason[] = [];
  const todayDay = toDayNumber(history.today);
  const startDay = toDayNumber(history.startedOn);

  let lastDay = lastCheckInOn === null ? null : toDayNumber(lastCheckInOn);
  for (const date of history.checkIns.keys()) {
    const day = toDayNumber(date);
    if (day <= todayDay && (lastDay === null || day > lastDay)) lastDay = day;
  }
  const silentFrom = Math.max(startDay, lastDay === null ? startDay : lastDay + 1);
  const yesterday = todayDay - 1;
  if (silentFrom <= yesterday) {
    const silentDays = yesterday - silentFrom + 1;
    const missed =
      history.schedule.type === 'times_per_week'
        ? Math.floor((silentDays * history.schedule.times) / 7)
        : countScheduledDates(history.schedule, fromDayNumber(silentFrom), fromDayNumber(yesterday));
    if (missed >= rule.missedDays) {
      reasons.push({
        code: 'missed',
        missed,
        lastCheckInOn: lastDay === null ? null : fromDayNumber(lastDay),
      });
    }
  }

  const thisMonday = mondayOfDay(todayDay);
  const weeks = [4, 3, 2, 1].map((back) => thisMonday - back * 7);
  if (weeks[0]! >= mondayOfDay(startDay)) {
    const adherence = weeks.map((monday) => weekAdherence(history, monday));
    if (adherence.every((week) => week.expected > 0)) {
      const rateOf = (pair: WeekAdherence[]) =>
        pair.reduce((sum, week) => sum + Math.min(week.done, week.expected), 0) /
        pair.reduce((sum, week) => sum + week.expected, 0);
      const previous = rateOf(adherence.slice(0, 2));
      const recent = rateOf(adherence.slice(2));
      // A tiny epsilon: 0.9 − 0.6 must count as a fall of 0.3.
      if (previous - recent >= rule.adherenceDrop - 1e-9 && recent <= rule.adherenceFloor + 1e-9) {
        reasons.push({ code: 'adherence_falling', previous: round2(previous), recent: round2(recent) });
      }
    }
  }
  return { isAtRisk: reasons.length > 0, reasons };
};

// ---- check-in dates -----------------------------------------------------------------------------------------

export type CheckInDateProblem = 'future' | 'too_old' | 'before_start';

/**
 * Why a check-in for `date` cannot be recorded, or null when it can: not after today, at most
 * `maxBackfillDays` back, not before the adoption.
 */
export const checkInDateProblem = (
  date: LocalDate,
  context: { today: LocalDate; startedOn: LocalDate; maxBackfillDays: number },
): CheckInDateProblem | null => {
  const day = toDayNumber(date);
  if (day > toDayNumber(context.today)) return 'future';
  if (day < toDayNumber(context.today) - context.maxBackfillDays) return 'too_old';
  if (day < toDayNumber(context.startedOn)) return 'before_start';
  return null;
};

/** Streak milestones a streak of `streak` has reached (each paid once per adopted habit). */
export const reachedMilestones = (milestones: readonly number[], streak: number): number[] =>
  milestones.filter((milestone) => streak >= milestone).sort((a, b) => a - b);
