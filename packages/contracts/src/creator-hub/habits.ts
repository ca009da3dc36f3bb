import { z } from 'zod';

/**
 * Habits: templates a creator defines (schedule, target, reminder) and offers to every member or to the members
 * of some programs; members adopt them and check in from any channel, once per member-local occurrence date.
 * The schedule, streak and at-risk arithmetic lives in habit-streaks.ts (shared with the app).
 */

export const habitLimits = {
  maxHabitsPerCreator: 200,
  maxActiveHabitsPerMember: 20,
  maxKeywords: 10,
  maxPrograms: 20,
  /** How many days back a member may still check in (yesterday's run logged this morning). */
  maxBackfillDays: 7,
  /** The widest calendar (heatmap) range one progress request returns. */
  maxCalendarDays: 400,
} as const;

export const ZLocalDate = z.iso.date().describe('A member-local calendar date, YYYY-MM-DD');
export const ZLocalTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour)')
  .describe('Member-local time of day, HH:MM');

export const habitScheduleTypes = ['daily', 'times_per_week', 'weekdays'] as const;

export const ZHabitSchedule = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('daily') }).describe('Every day'),
      z
        .strictObject({ type: z.literal('times_per_week'), times: z.number().int().min(1).max(7) })
        .describe('N check-ins on any days of each week (Monday to Sunday)'),
      z
        .strictObject({
          type: z.literal('weekdays'),
          weekdays: z
            .array(z.number().int().min(0).max(6))
            .min(1)
            .max(7)
            .refine((days) => new Set(days).size === days.length, 'each weekday once')
            .describe('0 = Sunday … 6 = Saturday'),
        })
        .describe('On the chosen days of the week only: a Tuesday/Thursday habit is not missed on Wednesday'),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union' ? 'Use type daily, times_per_week or weekdays' : undefined,
    },
  )
  .meta({ id: 'HabitSchedule' });
export type THabitSchedule = z.infer<typeof ZHabitSchedule>;

export const ZHabitTarget = z
  .strictObject({
    amount: z.number().positive().max(1_000_000),
    unit: z.string().trim().min(1).max(24),
  })
  .describe('What one occurrence means: 8 glasses, 20 minutes')
  .meta({ id: 'HabitTarget' });
export type THabitTarget = z.infer<typeof ZHabitTarget>;

const ZHabitName = z.string().trim().min(1).max(80);
const ZKeyword = z.string().trim().min(1).max(40);
const ZIcon = z.string().trim().min(1).max(64).describe('An emoji or an icon name');

export const ZHabit = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    schedule: ZHabitSchedule,
    target: ZHabitTarget.nullable(),
    reminderTime: z.string().nullable(),
    keywords: z.array(z.string()).describe('Words a plain reply may use for this habit, besides its name'),
    isOfferedToAll: z.boolean().describe('Every member may adopt it; otherwise only members of `programIds`'),
    programIds: z.array(z.uuid()),
    activeMembers: z.number().int().describe('Members who have adopted it and not left'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Habit' });
export type THabit = z.infer<typeof ZHabit>;

export const ZCreateHabit = z
  .strictObject({
    name: ZHabitName,
    description: z.string().trim().max(500).nullable().optional(),
    icon: ZIcon.nullable().optional(),
    schedule: ZHabitSchedule,
    target: ZHabitTarget.nullable().optional(),
    reminderTime: ZLocalTime.nullable().optional(),
    keywords: z.array(ZKeyword).max(habitLimits.maxKeywords).default([]),
    isOfferedToAll: z.boolean().default(true),
    programIds: z.array(z.uuid()).max(habitLimits.maxPrograms).default([]),
  })
  .meta({ id: 'CreateHabit' });
export type TCreateHabit = z.infer<typeof ZCreateHabit>;

export const ZUpdateHabit = z
  .strictObject({
    name: ZHabitName.optional(),
    description: z.string().trim().max(500).nullable().optional(),
    icon: ZIcon.nullable().optional(),
    schedule: ZHabitSchedule.optional(),
    target: ZHabitTarget.nullable().optional(),
    reminderTime: ZLocalTime.nullable().optional(),
    keywords: z.array(ZKeyword).max(habitLimits.maxKeywords).optional(),
    isOfferedToAll: z.boolean().optional(),
    programIds: z.array(z.uuid()).max(habitLimits.maxPrograms).optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'Send at least one field to change')
  .meta({ id: 'UpdateHabit' });
export type TUpdateHabit = z.infer<typeof ZUpdateHabit>;

export const ZHabitParams = z.object({ id: z.uuid() });
export const ZHabitListResponse = z.object({ items: z.array(ZHabit) });

// ---- streaks, adherence, at-risk ------------------------------------------------------------------------------

export const ZStreak = z
  .object({
    current: z.number().int(),
    best: z.number().int(),
    unit: z
      .enum(['day', 'week'])
      .describe('Scheduled days (daily, weekdays) or weeks that met N (times_per_week)'),
    currentSince: ZLocalDate.nullable().describe('First date of the current run'),
  })
  .meta({ id: 'HabitStreak' });

export const ZWeekAdherence = z
  .object({
    week: ZLocalDate.describe('The Monday the week starts on'),
    expected: z.number().int(),
    done: z.number().int(),
    skipped: z.number().int(),
    rate: z.number().min(0).max(1).nullable().describe('done / expected, null when nothing was expected'),
    isComplete: z.boolean().describe('false for the week that contains today'),
  })
  .meta({ id: 'WeekAdherence' });

export const atRiskReasonCodes = ['missed', 'adherence_falling'] as const;
export const ZAtRiskReason = z
  .discriminatedUnion('code', [
    z.object({
      code: z.literal('missed'),
      missed: z.number().int().describe('Scheduled occurrences in a row without any check-in'),
      lastCheckInOn: ZLocalDate.nullable(),
    }),
    z.object({
      code: z.literal('adherence_falling'),
      previous: z.number().describe('Adherence of weeks 4 and 3 before this one'),
      recent: z.number().describe('Adherence of the last two complete weeks'),
    }),
  ])
  .meta({ id: 'AtRiskReason' });
export type TAtRiskReason = z.infer<typeof ZAtRiskReason>;

// ---- check-ins ------------------------------------------------------------------------------------------------

export const checkInStatuses = ['done', 'skipped'] as const;
export const checkInSources = [
  'app',
  'widget',
  'whatsapp',
  'telegram',
  'websocket',
  'push',
  'email',
  'api',
] as const;

export const ZHabitCheckIn = z
  .object({
    id: z.uuid(),
    memberHabitId: z.uuid(),
    date: ZLocalDate,
    status: z.enum(checkInStatuses),
    value: z.number().nullable(),
    source: z.string(),
    sourceMessageId: z.uuid().nullable(),
    clientId: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'HabitCheckIn' });
export type THabitCheckIn = z.infer<typeof ZHabitCheckIn>;

export const ZCreateCheckIn = z
  .strictObject({
    date: ZLocalDate.optional().describe('The occurrence, member-local; today when absent'),
    status: z
      .enum(checkInStatuses)
      .default('done')
      .describe('A skip keeps the streak but does not count as done'),
    value: z.number().min(0).max(1_000_000).nullable().optional().describe('Progress toward the target'),
    clientId: z.string().trim().min(1).max(100).optional().describe('The app’s idempotency key for retries'),
    source: z.enum(['app', 'widget', 'api']).default('app'),
  })
  .meta({ id: 'CreateCheckIn' });
export type TCreateCheckIn = z.infer<typeof ZCreateCheckIn>;

export const ZCheckInResult = z
  .object({
    checkIn: ZHabitCheckIn,
    isNew: z
      .boolean()
      .describe('false: this occurrence was already checked in (answered 200, nothing recorded)'),
    streak: ZStreak,
    pointsAwarded: z.number().int(),
    totalPoints: z.number().int(),
    achievementsAwarded: z.array(z.object({ id: z.uuid(), name: z.string(), icon: z.string().nullable() })),
  })
  .meta({ id: 'CheckInResult' });
export type TCheckInResult = z.infer<typeof ZCheckInResult>;

// ---- the member's habits --------------------------------------------------------------------------------------

export const ZHabitTemplateSummary = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    schedule: ZHabitSchedule,
    target: ZHabitTarget.nullable(),
    reminderTime: z.string().nullable(),
  })
  .meta({ id: 'HabitTemplateSummary' });

export const ZMemberHabit = z
  .object({
    id: z.uuid().describe('The adoption id: check-ins and progress use it'),
    habit: ZHabitTemplateSummary,
    reminderTime: z.string().nullable().describe('The member’s own reminder time, else the habit’s'),
    startedOn: ZLocalDate,
    today: z.object({
      date: ZLocalDate,
      isScheduled: z
        .boolean()
        .describe('An occurrence today (times_per_week: while the week’s N is not met)'),
      checkIn: ZHabitCheckIn.nullable(),
    }),
    week: z.object({ done: z.number().int(), expected: z.number().int() }),
    streak: ZStreak,
    isAtRisk: z.boolean(),
  })
  .meta({ id: 'MemberHabit' });
export type TMemberHabit = z.infer<typeof ZMemberHabit>;

export const ZMemberHabitsResponse = z
  .object({
    items: z.array(ZMemberHabit),
    available: z.array(ZHabitTemplateSummary).describe('Habits offered to the member and not adopted yet'),
  })
  .meta({ id: 'MemberHabits' });

export const ZAdoptHabit = z.strictObject({
  habitId: z.uuid(),
  reminderTime: ZLocalTime.nullable().optional(),
});
export const ZUpdateMemberHabit = z.strictObject({ reminderTime: ZLocalTime.nullable() });

export const ZHabitProgressQuery = z.object({
  from: ZLocalDate.optional().describe('Default: 12 weeks before `to`'),
  to: ZLocalDate.optional().describe('Default: today (member-local)'),
});
export type THabitProgressQuery = z.infer<typeof ZHabitProgressQuery>;

export const ZHabitProgress = z
  .object({
    memberHabitId: z.uuid(),
    habit: ZHabitTemplateSummary,
    status: z.enum(['active', 'ended']),
    startedOn: ZLocalDate,
    streak: ZStreak,
    adherence: z.array(ZWeekAdherence),
    checkIns: z.array(ZHabitCheckIn),
    isAtRisk: z.boolean(),
    atRiskReasons: z.array(ZAtRiskReason),
  })
  .meta({ id: 'HabitProgress' });

// ---- progress screen ------------------------------------------------------------------------------------------

export const ZCalendarDay = z
  .object({
    date: ZLocalDate,
    scheduled: z.number().int().describe('Occurrences due that day (daily and weekday habits)'),
    done: z.number().int(),
    skipped: z.number().int(),
  })
  .meta({ id: 'CalendarDay' });

export const ZLevel = z
  .object({
    level: z.number().int().min(1),
    name: z.string(),
    minPoints: z.number().int(),
    nextLevelPoints: z.number().int().nullable(),
  })
  .meta({ id: 'Level' });

export const ZMemberAchievementView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    points: z.number().int(),
    isUnlocked: z.boolean(),
    awardedAt: z.string().nullable(),
  })
  .meta({ id: 'MemberAchievement' });

export const ZMemberProgress = z
  .object({
    today: ZLocalDate,
    timezone: z.string(),
    from: ZLocalDate,
    to: ZLocalDate,
    habits: z.array(ZHabitProgress.omit({ checkIns: true })),
    calendar: z.array(ZCalendarDay),
    points: z.number().int(),
    level: ZLevel,
    achievements: z.array(ZMemberAchievementView),
    isAtRisk: z.boolean(),
  })
  .meta({ id: 'MemberProgress' });
export type TMemberProgress = z.infer<typeof ZMemberProgress>;

export const ZMemberAchievementsResponse = z.object({ items: z.array(ZMemberAchievementView) });

export const ZMemberProfile = z
  .object({
    displayName: z.string().nullable(),
    leaderboardOptIn: z.boolean(),
    timezone: z.string().nullable(),
    points: z.number().int(),
    level: ZLevel,
  })
  .meta({ id: 'MemberGamificationProfile' });

export const ZUpdateMemberProfile = z
  .strictObject({
    displayName: z.string().trim().min(1).max(40).nullable().optional().describe('Shown on the leaderboard'),
    leaderboardOptIn: z.boolean().optional(),
    timezone: z.string().trim().min(1).max(64).optional().describe('IANA name, e.g. Europe/Madrid'),
  })
  .refine(
    (value) => Object.keys(value).length > 0,
    'Send at least one of displayName, leaderboardOptIn, timezone',
  );

// ---- creator side: at risk and member progress ---------------------------------------------------------------

export const ZAtRiskMember = z
  .object({
    memberId: z.uuid(),
    name: z.string().nullable(),
    habits: z.array(
      z.object({
        memberHabitId: z.uuid(),
        habitId: z.uuid(),
        name: z.string(),
        reasons: z.array(ZAtRiskReason),
        flaggedSince: z.string(),
      }),
    ),
  })
  .meta({ id: 'AtRiskMember' });

export const ZAtRiskResponse = z
  .object({
    items: z.array(ZAtRiskMember),
    lastScan: z
      .object({
        startedAt: z.string().nullable(),
        finishedAt: z.string().nullable(),
        habitsEvaluated: z.number().int().nullable(),
        membersFlagged: z.number().int().nullable(),
      })
      .describe('The nightly scan that computed the flags'),
  })
  .meta({ id: 'AtRiskMembers' });

export const ZAtRiskQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export const ZScanQueued = z.object({ status: z.literal('queued'), jobId: z.string().nullable() });

// ---- channel buttons ------------------------------------------------------------------------------------------

const payloadPattern = /^habit:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(done|skip)$/i;

/**
 * The payload of a reminder's quick-reply (WhatsApp) or inline (Telegram) button: `habit:{memberHabitId}:done`
 * or `:skip`. 47 bytes, inside Telegram's 64-byte callback_data limit.
 */
export const habitCheckInPayload = (memberHabitId: string, action: 'done' | 'skip') =>
  `habit:${memberHabitId}:${action}`;

/** The buttons a habit reminder carries ('Done ✅ / Skip'). */
export const habitCheckInButtons = (memberHabitId: string) => [
  { label: 'Done ✅', payload: habitCheckInPayload(memberHabitId, 'done') },
  { label: 'Skip', payload: habitCheckInPayload(memberHabitId, 'skip') },
];

export const parseHabitCheckInPayload = (
  payload: string,
): { memberHabitId: string; status: 'done' | 'skipped' } | null => {
  const match = payloadPattern.exec(payload.trim());
  if (!match) return null;
  return {
    memberHabitId: match[1]!.toLowerCase(),
    status: match[2]!.toLowerCase() === 'done' ? 'done' : 'skipped',
  };
};
