import { z } from 'zod';

/**
 * Gamification: points for events, levels from point thresholds, achievements the creator defines with a small
 * declarative rule language (no code: every rule is one bounded comparison, so evaluating it always ends), an
 * opt-in leaderboard of chosen display names, and the creator's settings for all of it.
 */

export const gamificationLimits = {
  maxAchievementsPerCreator: 100,
  maxLevels: 30,
  maxStreakMilestones: 10,
  leaderboardSize: 50,
} as const;

// ---- events -------------------------------------------------------------------------------------------------

/**
 * What can happen to a member that gamification counts. Services record these through the gamification
 * service's `recordEvent`; the service itself records `achievement` events when it awards one (they pay the
 * achievement's points and unlock `achievement` rules), which callers cannot send.
 */
export const gamificationEventTypes = [
  'checkin',
  'streak_milestone',
  'program_step_completed',
  'program_completed',
  'first_message',
] as const;
export type TGamificationEventType = (typeof gamificationEventTypes)[number];

export const ZGamificationEvent = z.object({
  memberId: z.uuid(),
  type: z.enum(gamificationEventTypes),
  /**
   * Idempotency key, unique per member and type: the same key twice pays once and awards nothing new
   * (e.g. the enrollment id for program_completed, the message id for first_message).
   */
  key: z.string().min(1).max(160),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type TGamificationEvent = z.input<typeof ZGamificationEvent>;

// ---- achievement rules --------------------------------------------------------------------------------------

export const achievementRuleEvents = [
  'checkin',
  'streak',
  'program_completed',
  'program_step_completed',
  'first_message',
  'points',
  'achievement',
] as const;

const ZCount = z.number().int().min(1).max(100_000);

export const ZAchievementRule = z
  .discriminatedUnion(
    'event',
    [
      z
        .strictObject({ event: z.literal('checkin'), count: ZCount, habitId: z.uuid().optional() })
        .describe('`count` done check-ins, on one habit or on any'),
      z
        .strictObject({
          event: z.literal('streak'),
          count: z.number().int().min(1).max(3650),
          habitId: z.uuid().optional(),
        })
        .describe(
          'A current streak of `count` (scheduled days, or weeks for N-per-week habits), on one habit or any',
        ),
      z
        .strictObject({
          event: z.literal('program_completed'),
          programId: z.uuid().optional(),
          count: ZCount.default(1),
        })
        .describe('Completed a program (this one, or `count` of any)'),
      z
        .strictObject({
          event: z.literal('program_step_completed'),
          programId: z.uuid().optional(),
          count: ZCount.default(1),
        })
        .describe('`count` completed program steps'),
      z.strictObject({ event: z.literal('first_message') }).describe('Wrote to the coach for the first time'),
      z
        .strictObject({ event: z.literal('points'), threshold: z.number().int().min(1).max(1_000_000_000) })
        .describe('Reached `threshold` points'),
      z
        .strictObject({
          event: z.literal('achievement'),
          achievementIds: z.array(z.uuid()).min(1).max(20).optional(),
          count: z.number().int().min(1).max(gamificationLimits.maxAchievementsPerCreator),
        })
        .describe(
          'Holds `count` other achievements (of `achievementIds`, or any); references may not form a cycle',
        ),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `Unknown rule event: use one of ${achievementRuleEvents.join(', ')}`
          : undefined,
    },
  )
  .meta({ id: 'AchievementRule' });
export type TAchievementRule = z.infer<typeof ZAchievementRule>;

export const ZAchievement = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    rule: ZAchievementRule,
    points: z.number().int().describe('Points paid when awarded'),
    awardedCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Achievement' });
export type TAchievement = z.infer<typeof ZAchievement>;

export const ZCreateAchievement = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    description: z.string().trim().max(500).nullable().optional(),
    icon: z.string().trim().min(1).max(64).nullable().optional(),
    rule: ZAchievementRule,
    points: z.number().int().min(0).max(100_000).default(0),
  })
  .meta({ id: 'CreateAchievement' });
export type TCreateAchievement = z.infer<typeof ZCreateAchievement>;

export const ZUpdateAchievement = z
  .strictObject({
    name: z.string().trim().min(1).max(80).optional(),
    description: z.string().trim().max(500).nullable().optional(),
    icon: z.string().trim().min(1).max(64).nullable().optional(),
    rule: ZAchievementRule.optional(),
    points: z.number().int().min(0).max(100_000).optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'Send at least one field to change')
  .meta({ id: 'UpdateAchievement' });
export type TUpdateAchievement = z.infer<typeof ZUpdateAchievement>;

export const ZAchievementParams = z.object({ id: z.uuid() });
export const ZAchievementListResponse = z.object({ items: z.array(ZAchievement) });

// ---- settings -----------------------------------------------------------------------------------------------

const ZPoints = z.number().int().min(0).max(100_000);

export const defaultLevels = [
  { name: 'Starter', minPoints: 0 },
  { name: 'Committed', minPoints: 100 },
  { name: 'Consistent', minPoints: 300 },
  { name: 'Dedicated', minPoints: 750 },
  { name: 'Unstoppable', minPoints: 1500 },
];

export const ZGamificationSettings = z
  .object({
    points: z
      .object({
        checkin: ZPoints.default(10).describe('A done check-in'),
        streakMilestone: ZPoints.default(50).describe('Each streak milestone, once per habit'),
        programStepCompleted: ZPoints.default(5),
        programCompleted: ZPoints.default(100),
        firstMessage: ZPoints.default(5),
      })
      .prefault({}),
    streakMilestones: z
      .array(z.number().int().min(2).max(3650))
      .max(gamificationLimits.maxStreakMilestones)
      .refine((values) => new Set(values).size === values.length, 'each milestone once')
      .default([7, 30, 100])
      .describe('Streak lengths that pay `points.streakMilestone`'),
    levels: z
      .array(z.object({ name: z.string().trim().min(1).max(40), minPoints: z.number().int().min(0) }))
      .min(1)
      .max(gamificationLimits.maxLevels)
      .refine((levels) => levels[0]?.minPoints === 0, 'the first level starts at 0 points')
      .refine(
        (levels) =>
          levels.every((level, index) => index === 0 || level.minPoints > levels[index - 1]!.minPoints),
        'levels need strictly increasing minPoints',
      )
      .default(defaultLevels),
    leaderboardEnabled: z
      .boolean()
      .default(false)
      .describe('Members who opt in appear by their display name'),
    announceAwards: z
      .boolean()
      .default(false)
      .describe('Also tell the member on their channel when they earn one'),
    atRisk: z
      .object({
        missedDays: z
          .number()
          .int()
          .min(1)
          .max(14)
          .default(3)
          .describe('Scheduled occurrences in a row without a check-in'),
        adherenceDrop: z
          .number()
          .min(0.05)
          .max(1)
          .default(0.3)
          .describe('Fall of the last two weeks’ adherence below the two weeks before'),
        adherenceFloor: z
          .number()
          .min(0)
          .max(1)
          .default(0.5)
          .describe('A fall counts only while the last two weeks’ adherence is at most this'),
      })
      .prefault({}),
  })
  .meta({ id: 'GamificationSettings' });
export type TGamificationSettings = z.infer<typeof ZGamificationSettings>;

// ---- leaderboard --------------------------------------------------------------------------------------------

export const ZLeaderboard = z
  .object({
    isEnabled: z.boolean(),
    entries: z.array(
      z.object({
        rank: z.number().int(),
        displayName: z.string(),
        points: z.number().int(),
        level: z.number().int(),
        isMe: z.boolean(),
      }),
    ),
    me: z.object({
      isOptedIn: z.boolean(),
      displayName: z.string().nullable(),
      rank: z.number().int().nullable(),
      points: z.number().int(),
    }),
  })
  .meta({ id: 'Leaderboard' });

/** The level a point total reaches, with the next threshold (null at the top). */
export const levelFor = (levels: TGamificationSettings['levels'], points: number) => {
  let index = 0;
  for (let candidate = 0; candidate < levels.length; candidate += 1) {
    if (points >= levels[candidate]!.minPoints) index = candidate;
  }
  const level = levels[index]!;
  return {
    level: index + 1,
    name: level.name,
    minPoints: level.minPoints,
    nextLevelPoints: levels[index + 1]?.minPoints ?? null,
  };
};
