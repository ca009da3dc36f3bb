import { describe, expect, it } from 'vitest';
import {
  addDays,
  checkInDateProblem,
  computeStreaks,
  countScheduledDates,
  currentWeekProgress,
  evaluateAtRisk,
  fromDayNumber,
  type HabitHistory,
  isDueToday,
  isLocalDate,
  isScheduledOn,
  localDateAt,
  reachedMilestones,
  scheduledDates,
  toCheckInMap,
  toDayNumber,
  weekdayOf,
  weeklyAdherence,
  weekStartOf,
} from '../src/creator-hub/habit-streaks';
import {
  habitCheckInButtons,
  parseHabitCheckInPayload,
  type THabitSchedule,
  ZHabitSchedule,
} from '../src/creator-hub/habits';

const daily: THabitSchedule = { type: 'daily' };
const tuesdayThursday: THabitSchedule = { type: 'weekdays', weekdays: [2, 4] };
const threeTimesAWeek: THabitSchedule = { type: 'times_per_week', times: 3 };

const history = (
  schedule: THabitSchedule,
  startedOn: string,
  today: string,
  done: string[],
  skipped: string[] = [],
): HabitHistory => ({
  schedule,
  startedOn,
  today,
  checkIns: toCheckInMap([
    ...done.map((date) => ({ date, status: 'done' as const })),
    ...skipped.map((date) => ({ date, status: 'skipped' as const })),
  ]),
});

/** Every date from `from` for `count` days. */
const run = (from: string, count: number) =>
  Array.from({ length: count }, (_, index) => addDays(from, index));

const rule = { missedDays: 3, adherenceDrop: 0.3, adherenceFloor: 0.5 };

describe('calendar arithmetic', () => {
  it('validates real dates only', () => {
    expect(isLocalDate('2024-02-29')).toBe(true);
    expect(isLocalDate('2025-02-29')).toBe(false);
    expect(isLocalDate('2025-13-01')).toBe(false);
    expect(isLocalDate('2025-1-01')).toBe(false);
  });

  it('names weekdays and week starts (Monday) across month and year ends', () => {
    expect(weekdayOf('2025-03-04')).toBe(2); // a Tuesday
    expect(weekdayOf('1969-12-28')).toBe(0); // before the epoch: a Sunday
    expect(weekStartOf('2025-03-09')).toBe('2025-03-03'); // Sunday → the Monday before
    expect(weekStartOf('2025-03-03')).toBe('2025-03-03');
    expect(weekStartOf('2026-01-01')).toBe('2025-12-29');
  });

  it('counts scheduled dates in O(weeks) the same as listing them', () => {
    for (const schedule of [daily, tuesdayThursday, { type: 'weekdays' as const, weekdays: [0, 6] }]) {
      for (const [from, to] of [
        ['2025-03-01', '2025-03-31'],
        ['2025-03-04', '2025-03-04'],
        ['2025-03-05', '2025-03-05'],
        ['2024-12-20', '2025-02-11'],
        ['2025-03-10', '2025-03-01'],
      ] as const) {
        expect(countScheduledDates(schedule, from, to), `${schedule.type} ${from}..${to}`).toBe(
          scheduledDates(schedule, from, to).length,
        );
      }
    }
    expect(scheduledDates(tuesdayThursday, '2025-03-03', '2025-03-09')).toEqual(['2025-03-04', '2025-03-06']);
    expect(isScheduledOn(tuesdayThursday, '2025-03-05')).toBe(false);
    expect(isScheduledOn(threeTimesAWeek, '2025-03-05')).toBe(true);
  });
});

describe('localDateAt: the member’s date in their time zone', () => {
  it('gives the same instant different dates on either side of the date line', () => {
    const instant = new Date('2025-06-15T11:30:00Z');
    expect(localDateAt(instant, 'Pacific/Kiritimati')).toBe('2025-06-16'); // UTC+14
    expect(localDateAt(instant, 'Pacific/Pago_Pago')).toBe('2025-06-15'); // UTC−11
    expect(localDateAt(new Date('2025-06-15T10:59:59Z'), 'Pacific/Kiritimati')).toBe('2025-06-16');
    expect(localDateAt(new Date('2025-06-15T09:59:59Z'), 'Pacific/Kiritimati')).toBe('2025-06-15');
  });

  it('keeps late-evening check-ins on their local day around the spring-forward night (New York)', () => {
    // 2025-03-09 has 23 hours in New York: 23:30 local before and after the change.
    expect(localDateAt(new Date('2025-03-09T04:30:00Z'), 'America/New_York')).toBe('2025-03-08'); // EST
    expect(localDateAt(new Date('2025-03-10T03:30:00Z'), 'America/New_York')).toBe('2025-03-09'); // EDT
    expect(localDateAt(new Date('2025-03-10T04:30:00Z'), 'America/New_York')).toBe('2025-03-10');
  });

  it('puts both ends of the 25-hour fall-back day on that one date (Madrid)', () => {
    expect(localDateAt(new Date('2025-10-25T22:30:00Z'), 'Europe/Madrid')).toBe('2025-10-26'); // 00:30 CEST
    expect(localDateAt(new Date('2025-10-26T22:30:00Z'), 'Europe/Madrid')).toBe('2025-10-26'); // 23:30 CET
    expect(localDateAt(new Date('2025-10-26T23:00:00Z'), 'Europe/Madrid')).toBe('2025-10-27');
  });

  it('follows half-hour DST (Lord Howe) and a southern-hemisphere change (Sydney)', () => {
    // Lord Howe: +11 in summer, +10:30 in winter; DST ends 2025-04-06 at 02:00 local.
    expect(localDateAt(new Date('2025-04-05T13:15:00Z'), 'Australia/Lord_Howe')).toBe('2025-04-06');
    expect(localDateAt(new Date('2025-04-05T12:45:00Z'), 'Australia/Lord_Howe')).toBe('2025-04-05');
    // Sydney's DST starts 2025-10-05: 23:59 local on the 4th is 12:59Z (+11 not yet).
    expect(localDateAt(new Date('2025-10-04T13:59:00Z'), 'Australia/Sydney')).toBe('2025-10-04');
  });

  it('refuses an unknown zone instead of guessing', () => {
    expect(() => localDateAt(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('streaks', () => {
  it('counts consecutive done days and keeps today open', () => {
    const done = run('2025-03-01', 5); // 1..5
    expect(computeStreaks(history(daily, '2025-03-01', '2025-03-06', done))).toEqual({
      current: 5,
      best: 5,
      unit: 'day',
      currentSince: '2025-03-01',
    });
    expect(computeStreaks(history(daily, '2025-03-01', '2025-03-05', done)).current).toBe(5);
    // Missing yesterday breaks it.
    expect(computeStreaks(history(daily, '2025-03-01', '2025-03-07', done))).toMatchObject({
      current: 0,
      best: 5,
      currentSince: null,
    });
  });

  it('does not break across the 23-hour DST day: dates, not hours', () => {
    // New York check-ins at 23:30 local on 8, 9 and 10 March 2025 (the 9th is 23 hours long).
    const dates = ['2025-03-09T04:30:00Z', '2025-03-10T03:30:00Z', '2025-03-11T03:30:00Z'].map((iso) =>
      localDateAt(new Date(iso), 'America/New_York'),
    );
    expect(dates).toEqual(['2025-03-08', '2025-03-09', '2025-03-10']);
    const today = localDateAt(new Date('2025-03-11T13:00:00Z'), 'America/New_York');
    expect(computeStreaks(history(daily, '2025-03-08', today, dates)).current).toBe(3);
  });

  it('treats two check-ins on the 25-hour fall-back day as one occurrence', () => {
    const dates = ['2025-10-25T22:30:00Z', '2025-10-26T22:30:00Z'].map((iso) =>
      localDateAt(new Date(iso), 'Europe/Madrid'),
    );
    const map = toCheckInMap(dates.map((date) => ({ date, status: 'done' as const })));
    expect(map.size).toBe(1);
  });

  it('respects chosen weekdays: a Tuesday/Thursday habit is not broken on Wednesday', () => {
    // Tue 4, Thu 6, Tue 11 March 2025; today Wednesday 12th.
    const streak = computeStreaks(
      history(tuesdayThursday, '2025-03-03', '2025-03-12', ['2025-03-04', '2025-03-06', '2025-03-11']),
    );
    expect(streak).toEqual({ current: 3, best: 3, unit: 'day', currentSince: '2025-03-04' });
    // Thursday 13th is today and open; on Friday 14th without a Thursday check-in the streak is gone.
    expect(
      computeStreaks(
        history(tuesdayThursday, '2025-03-03', '2025-03-13', ['2025-03-04', '2025-03-06', '2025-03-11']),
      ).current,
    ).toBe(3);
    expect(
      computeStreaks(
        history(tuesdayThursday, '2025-03-03', '2025-03-14', ['2025-03-04', '2025-03-06', '2025-03-11']),
      ).current,
    ).toBe(0);
  });

  it('ignores check-ins on unscheduled days for the streak', () => {
    const streak = computeStreaks(
      history(tuesdayThursday, '2025-03-03', '2025-03-07', ['2025-03-04', '2025-03-05', '2025-03-06']),
    );
    expect(streak.current).toBe(2);
  });

  it('lets a skip keep the streak without adding to it', () => {
    const streak = computeStreaks(
      history(daily, '2025-03-01', '2025-03-05', ['2025-03-01', '2025-03-02', '2025-03-04'], ['2025-03-03']),
    );
    expect(streak).toMatchObject({ current: 3, best: 3, currentSince: '2025-03-01' });
  });

  it('keeps the best run after a break', () => {
    const done = [...run('2025-01-01', 10), ...run('2025-01-15', 4)];
    expect(computeStreaks(history(daily, '2025-01-01', '2025-01-19', done))).toMatchObject({
      current: 4,
      best: 10,
    });
  });

  it('counts nothing before the adoption date', () => {
    expect(computeStreaks(history(daily, '2025-03-05', '2025-03-06', run('2025-03-01', 6))).current).toBe(2);
  });

  it('counts weeks that met N for times_per_week habits, with a shorter adoption week', () => {
    // Adopted Saturday 2025-03-08: that week needs min(3, 2 days left) = 2.
    const done = [
      '2025-03-08',
      '2025-03-09', // adoption week: 2 of 2
      '2025-03-10',
      '2025-03-12',
      '2025-03-14', // week of the 10th: 3
      '2025-03-17',
      '2025-03-18', // week of the 17th (current, Thursday 20th): 2 of 3, still open
    ];
    expect(computeStreaks(history(threeTimesAWeek, '2025-03-08', '2025-03-20', done))).toEqual({
      current: 2,
      best: 2,
      unit: 'week',
      currentSince: '2025-03-03',
    });
    // Once the current week reaches 3 it counts.
    expect(
      computeStreaks(history(threeTimesAWeek, '2025-03-08', '2025-03-20', [...done, '2025-03-20'])).current,
    ).toBe(3);
    // The next Monday, a week short of N has broken it.
    expect(computeStreaks(history(threeTimesAWeek, '2025-03-08', '2025-03-24', done)).current).toBe(0);
  });

  it('excuses a times_per_week week whose skips make up the difference', () => {
    const done = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-10'];
    const skipped = ['2025-03-11', '2025-03-12'];
    expect(computeStreaks(history(threeTimesAWeek, '2025-03-03', '2025-03-18', done, skipped)).current).toBe(
      1,
    );
  });
});

describe('weekly adherence', () => {
  it('rates each week by done over expected occurrences, today only once checked in', () => {
    // Adopted Wednesday 2025-03-05, today Wednesday 2025-03-12.
    const done = ['2025-03-05', '2025-03-06', '2025-03-08', '2025-03-10', '2025-03-11'];
    const weeks = weeklyAdherence(
      history(daily, '2025-03-05', '2025-03-12', done, ['2025-03-07']),
      '2025-03-01',
      '2025-03-31',
    );
    expect(weeks).toEqual([
      { week: '2025-03-03', expected: 5, done: 3, skipped: 1, rate: 0.6, isComplete: true },
      { week: '2025-03-10', expected: 2, done: 2, skipped: 0, rate: 1, isComplete: false },
    ]);
  });

  it('expects only chosen weekdays', () => {
    const weeks = weeklyAdherence(
      history(tuesdayThursday, '2025-03-03', '2025-03-16', [
        '2025-03-04',
        '2025-03-05',
        '2025-03-11',
        '2025-03-13',
      ]),
      '2025-03-03',
      '2025-03-16',
    );
    expect(weeks.map((week) => [week.expected, week.done, week.rate])).toEqual([
      [2, 1, 0.5],
      [2, 2, 1],
    ]);
  });

  it('expects N per week for times_per_week habits (capped at 1)', () => {
    const done = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-11'];
    const weeks = weeklyAdherence(
      history(threeTimesAWeek, '2025-03-03', '2025-03-12', done),
      '2025-03-03',
      '2025-03-12',
    );
    expect(weeks.map((week) => [week.expected, week.done, week.rate, week.isComplete])).toEqual([
      [3, 4, 1, true],
      [3, 1, 1 / 3, false],
    ]);
    expect(currentWeekProgress(history(threeTimesAWeek, '2025-03-03', '2025-03-12', done))).toEqual({
      done: 1,
      expected: 3,
    });
  });

  it('says when a habit is due today', () => {
    expect(isDueToday(history(tuesdayThursday, '2025-03-03', '2025-03-05', []))).toBe(false);
    expect(isDueToday(history(tuesdayThursday, '2025-03-03', '2025-03-06', []))).toBe(true);
    const met = ['2025-03-03', '2025-03-04', '2025-03-05'];
    expect(isDueToday(history(threeTimesAWeek, '2025-03-03', '2025-03-06', met))).toBe(false);
    expect(isDueToday(history(threeTimesAWeek, '2025-03-03', '2025-03-05', met))).toBe(true);
  });
});

describe('at risk', () => {
  it('flags N scheduled days in a row without a check-in, counting only scheduled days', () => {
    const done = run('2025-03-01', 10); // through the 10th
    expect(evaluateAtRisk(history(daily, '2025-03-01', '2025-03-13', done), rule)).toEqual({
      isAtRisk: false,
      reasons: [],
    });
    expect(evaluateAtRisk(history(daily, '2025-03-01', '2025-03-14', done), rule)).toEqual({
      isAtRisk: true,
      reasons: [{ code: 'missed', missed: 3, lastCheckInOn: '2025-03-10' }],
    });
    // Tue/Thu: last check-in Tue 4 March; Thu 6, Tue 11 missed; on Thu 13 (open) that is 2, on Fri 14 it is 3.
    const tueThu = ['2025-03-04'];
    expect(evaluateAtRisk(history(tuesdayThursday, '2025-03-03', '2025-03-13', tueThu), rule).isAtRisk).toBe(
      false,
    );
    expect(
      evaluateAtRisk(history(tuesdayThursday, '2025-03-03', '2025-03-14', tueThu), rule).reasons,
    ).toEqual([{ code: 'missed', missed: 3, lastCheckInOn: '2025-03-04' }]);
  });

  it('counts a skip as a check-in (the member is engaged)', () => {
    const evaluation = evaluateAtRisk(
      history(daily, '2025-03-01', '2025-03-14', run('2025-03-01', 10), ['2025-03-12']),
      rule,
    );
    expect(evaluation.isAtRisk).toBe(false);
  });

  it('counts from the adoption date for a member who never checked in', () => {
    expect(evaluateAtRisk(history(daily, '2025-03-10', '2025-03-12', []), rule).isAtRisk).toBe(false);
    expect(evaluateAtRisk(history(daily, '2025-03-10', '2025-03-13', []), rule).reasons).toEqual([
      { code: 'missed', missed: 3, lastCheckInOn: null },
    ]);
  });

  it('uses the last check-in date given when the window of check-ins is short', () => {
    const evaluation = evaluateAtRisk(history(daily, '2025-01-01', '2025-03-14', []), rule, '2025-03-12');
    expect(evaluation.isAtRisk).toBe(false);
  });

  it('scales silence by N/7 for times_per_week habits', () => {
    // 3×/week: 3 missed occurrences ≈ 7 silent days.
    expect(
      evaluateAtRisk(history(threeTimesAWeek, '2025-03-01', '2025-03-08', ['2025-03-01']), rule).isAtRisk,
    ).toBe(false);
    expect(
      evaluateAtRisk(history(threeTimesAWeek, '2025-03-01', '2025-03-09', ['2025-03-01']), rule).reasons,
    ).toEqual([{ code: 'missed', missed: 3, lastCheckInOn: '2025-03-01' }]);
  });

  it('flags adherence falling by the drop over the last four complete weeks', () => {
    // Weeks of 3, 10, 17, 24 February 2025 (Mondays); today Wednesday 5 March, checked in on the 4th.
    const strong = [...run('2025-02-03', 7), ...run('2025-02-10', 6)]; // 7/7, 6/7
    const weak = [
      '2025-02-17',
      '2025-02-19',
      '2025-02-21',
      '2025-02-24',
      '2025-02-26',
      '2025-03-02',
      '2025-03-04',
    ];
    const evaluation = evaluateAtRisk(history(daily, '2025-02-03', '2025-03-05', [...strong, ...weak]), rule);
    expect(evaluation).toEqual({
      isAtRisk: true,
      reasons: [{ code: 'adherence_falling', previous: 0.93, recent: 0.43 }],
    });
    // Not enough history yet: no adherence verdict.
    expect(
      evaluateAtRisk(history(daily, '2025-02-10', '2025-03-05', [...strong, ...weak]), rule).isAtRisk,
    ).toBe(false);
  });

  it('ignores a fall that leaves adherence above the floor', () => {
    // 14/14 then 9/14 (0.64): a fall of 0.36, but the member still does most occurrences.
    const done = [
      ...run('2025-02-03', 14),
      ...run('2025-02-17', 5),
      ...run('2025-02-24', 4),
      ...run('2025-03-03', 2),
    ];
    expect(evaluateAtRisk(history(daily, '2025-02-03', '2025-03-05', done), rule).isAtRisk).toBe(false);
    expect(
      evaluateAtRisk(history(daily, '2025-02-03', '2025-03-05', done), { ...rule, adherenceFloor: 0.7 })
        .reasons,
    ).toEqual([{ code: 'adherence_falling', previous: 1, recent: 0.64 }]);
  });

  it('does not flag a steady member', () => {
    const done = run('2025-01-01', 70).filter((_, index) => index % 5 !== 0);
    expect(evaluateAtRisk(history(daily, '2025-01-01', '2025-03-11', done), rule).isAtRisk).toBe(false);
  });
});

describe('check-in dates', () => {
  const context = { today: '2025-03-10', startedOn: '2025-03-01', maxBackfillDays: 7 };
  it('refuses the future, too far back and before the adoption', () => {
    expect(checkInDateProblem('2025-03-10', context)).toBeNull();
    expect(checkInDateProblem('2025-03-03', context)).toBeNull();
    expect(checkInDateProblem('2025-03-11', context)).toBe('future');
    expect(checkInDateProblem('2025-03-02', context)).toBe('too_old');
    expect(checkInDateProblem('2025-03-05', { ...context, startedOn: '2025-03-06' })).toBe('before_start');
  });

  it('lists the milestones a streak reached', () => {
    expect(reachedMilestones([30, 7, 100], 31)).toEqual([7, 30]);
    expect(reachedMilestones([7], 6)).toEqual([]);
  });
});

describe('schedules and button payloads', () => {
  it('rejects unknown schedule types and repeated weekdays with a clear message', () => {
    expect(ZHabitSchedule.safeParse({ type: 'hourly' }).error?.issues[0]?.message).toBe(
      'Use type daily, times_per_week or weekdays',
    );
    expect(ZHabitSchedule.safeParse({ type: 'weekdays', weekdays: [2, 2] }).success).toBe(false);
    expect(ZHabitSchedule.safeParse({ type: 'times_per_week', times: 8 }).success).toBe(false);
  });

  it('round-trips Done / Skip button payloads within Telegram’s 64 bytes', () => {
    const id = '3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b';
    const [doneButton, skipButton] = habitCheckInButtons(id);
    expect(new TextEncoder().encode(doneButton!.payload).length).toBeLessThanOrEqual(64);
    expect(parseHabitCheckInPayload(doneButton!.payload)).toEqual({ memberHabitId: id, status: 'done' });
    expect(parseHabitCheckInPayload(skipButton!.payload)).toEqual({ memberHabitId: id, status: 'skipped' });
    expect(parseHabitCheckInPayload('habit:not-a-uuid:done')).toBeNull();
    expect(parseHabitCheckInPayload('did my run')).toBeNull();
  });
});

describe('day numbers', () => {
  it('agree with the JavaScript calendar over four centuries', () => {
    for (let day = -150_000; day <= 150_000; day += 97) {
      const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
      expect(fromDayNumber(day)).toBe(iso);
      expect(toDayNumber(iso)).toBe(day);
    }
  });
});
