import {
  gamificationLimits,
  levelFor,
  type TAchievementRule,
  type TCreateAchievement,
  type TGamificationEvent,
  type TGamificationSettings,
  type TUpdateAchievement,
  ZGamificationEvent,
  ZGamificationSettings,
} from '@companero/contracts/creator-hub/gamification';
import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import type { AwardAnnouncer } from '../ports/gamification-hooks';
import {
  type AchievementFields,
  type AchievementRow,
  achievementsRepository,
} from '../repositories/achievements.repository';
import { gamificationSettingsRepository } from '../repositories/gamification-settings.repository';
import { habitsRepository } from '../repositories/habits.repository';
import { pointsRepository } from '../repositories/points.repository';

/** The creator's gamification settings, the defaults filled in (also when none were ever saved). */
export const loadGamificationSettings = async (tx: TenantTx): Promise<TGamificationSettings> =>
  ZGamificationSettings.parse((await gamificationSettingsRepository.get(tx)) ?? {});

/** Ports the lead wires after building the channel service (see ports/gamification-hooks.ts). */
export type GamificationHooks = { announceAward?: AwardAnnouncer };

export type AwardedAchievement = {
  id: string;
  name: string;
  description: string | null;
  icon: string | null;
  points: number;
};

export type RecordEventResult = {
  /** false when the key was recorded before (a replay): nothing was paid again. */
  isRecorded: boolean;
  /** Points paid by this call, the event's and those of achievements it unlocked. */
  pointsAwarded: number;
  totalPoints: number;
  level: ReturnType<typeof levelFor>;
  /** Achievements this call awarded (never one the member already held). */
  awarded: AwardedAchievement[];
  /** Runs what the announcer left for after the commit (live events); call it once the transaction committed. */
  afterCommit: () => Promise<void>;
};

type LedgerEvent = {
  memberId: string;
  type: TGamificationEvent['type'] | 'achievement';
  key: string;
  data: Record<string, unknown>;
};

const pointsFor = (settings: TGamificationSettings, event: LedgerEvent): number => {
  switch (event.type) {
    case 'checkin':
      return settings.points.checkin;
    case 'streak_milestone':
      return settings.points.streakMilestone;
    case 'program_step_completed':
      return settings.points.programStepCompleted;
    case 'program_completed':
      return settings.points.programCompleted;
    case 'first_message':
      return settings.points.firstMessage;
    case 'achievement':
      return typeof event.data.points === 'number' ? event.data.points : 0;
  }
};

/** Which rules an event can change the outcome of (the others are not evaluated). */
const isRelevant = (rule: TAchievementRule, type: LedgerEvent['type']): boolean => {
  switch (rule.event) {
    case 'checkin':
      return type === 'checkin';
    case 'streak':
      return type === 'checkin' || type === 'streak_milestone';
    case 'points':
      return true;
    default:
      return rule.event === type;
  }
};

type Counter = (type: string, filter?: { field: string; value: string }) => Promise<number>;

/** Counts ledger events once per (type, filter) within one recordEvent call, however many rules ask. */
const memoizedCounter = (tx: TenantTx, memberId: string): Counter => {
  const counts = new Map<string, Promise<number>>();
  return (type, filter) => {
    const key = `${type}|${filter?.field ?? ''}|${filter?.value ?? ''}`;
    let count = counts.get(key);
    if (!count) {
      count = pointsRepository.countEvents(tx, memberId, type, filter);
      counts.set(key, count);
    }
    return count;
  };
};

const isSatisfied = async (
  rule: TAchievementRule,
  event: LedgerEvent,
  context: {
    countEvents: Counter;
    countHeld: (ids?: string[]) => Promise<number>;
    totalPoints: () => Promise<number>;
  },
): Promise<boolean> => {
  switch (rule.event) {
    case 'checkin':
      return (
        (await context.countEvents(
          'checkin',
          rule.habitId ? { field: 'habitId', value: rule.habitId } : undefined,
        )) >= rule.count
      );
    case 'streak': {
      // A check-in can only lengthen the streak of its own habit: the event carries that streak.
      const streak = event.data.streak;
      if (typeof streak !== 'number') return false;
      if (rule.habitId && event.data.habitId !== rule.habitId) return false;
      return streak >= rule.count;
    }
    case 'program_completed':
    case 'program_step_completed':
      return (
        (await context.countEvents(
          rule.event,
          rule.programId ? { field: 'programId', value: rule.programId } : undefined,
        )) >= rule.count
      );
    case 'first_message':
      return true;
    case 'points':
      return (await context.totalPoints()) >= rule.threshold;
    case 'achievement':
      // Not memoized: every award of this call changes it.
      return (await context.countHeld(rule.achievementIds)) >= rule.count;
  }
};

const announcementText = (achievement: AwardedAchievement) =>
  `🏆 You earned “${achievement.name}”!${achievement.description ? ` ${achievement.description}` : ''}${
    achievement.points > 0 ? ` (+${achievement.points} points)` : ''
  }`;

/**
 * Records one gamification event inside the caller's transaction: pays its points once per (member, type, key),
 * then evaluates the creator's achievement rules the event can affect and awards each at most once (a replayed
 * event pays nothing and awards only what the member does not hold). An award records an `achievement` event
 * (its points; `achievement` rules) and is announced on the member's channel when the creator wants it.
 * Terminates: every round awards at least one achievement the member did not hold, of a finite set.
 */
export const recordGamificationEvent = async (
  tx: TenantTx,
  input: TGamificationEvent,
  options: { announceAward?: AwardAnnouncer; settings?: TGamificationSettings } = {},
): Promise<RecordEventResult> => {
  const first = ZGamificationEvent.parse(input);
  const { memberId } = first;
  const settings = options.settings ?? (await loadGamificationSettings(tx));
  let total: number | null = null;
  const totalPoints = async () => {
    total ??= await pointsRepository.total(tx, memberId);
    return total;
  };
  let candidates: AchievementRow[] | null = null;
  const awarded: AwardedAchievement[] = [];
  let pointsAwarded = 0;
  let isRecorded = false;

  const queue: LedgerEvent[] = [first];
  for (let index = 0; index < queue.length; index += 1) {
    const event = queue[index]!;
    // Counts read after this event's ledger row is written, fresh for each event of the call.
    const context = {
      countEvents: memoizedCounter(tx, memberId),
      countHeld: (ids?: string[]) => achievementsRepository.countHeld(tx, memberId, ids),
      totalPoints,
    };
    const points = pointsFor(settings, event);
    const eventKey = `${event.type}:${event.key}`;
    const recorded = await pointsRepository.insertEvent(tx, { ...event, key: eventKey, points });
    if (index === 0) isRecorded = recorded;
    if (recorded && points !== 0) {
      total = await pointsRepository.addPoints(tx, memberId, points);
      pointsAwarded += points;
    }
    candidates ??= await achievementsRepository.notAwardedTo(tx, memberId);
    for (const achievement of candidates) {
      if (!isRelevant(achievement.rule, event.type)) continue;
      if (!(await isSatisfied(achievement.rule, event, context))) continue;
      if (!(await achievementsRepository.award(tx, memberId, achievement.id, eventKey))) continue;
      awarded.push({
        id: achievement.id,
        name: achievement.name,
        description: achievement.description,
        icon: achievement.icon,
        points: achievement.points,
      });
      queue.push({
        memberId,
        type: 'achievement',
        key: achievement.id,
        data: { achievementId: achievement.id, points: achievement.points },
      });
    }
    const held = new Set(awarded.map((achievement) => achievement.id));
    candidates = candidates.filter((achievement) => !held.has(achievement.id));
  }

  const afterCommitWork: (() => Promise<void>)[] = [];
  if (settings.announceAwards && options.announceAward) {
    for (const achievement of awarded) {
      const after = await options.announceAward(tx, {
        memberId,
        achievement,
        text: announcementText(achievement),
      });
      if (typeof after === 'function') afterCommitWork.push(after);
    }
  }
  const finalTotal = await totalPoints();
  return {
    isRecorded,
    pointsAwarded,
    totalPoints: finalTotal,
    level: levelFor(settings.levels, finalTotal),
    awarded,
    // Live-event publishing only: the announcement itself is durable, so a failed publish is not an error.
    afterCommit: async () => {
      await Promise.allSettled(afterCommitWork.map((work) => work()));
    },
  };
};

// ---- achievement rules: references, cycles, reachability ------------------------------------------------------

const ruleProblem = (path: string, message: string) =>
  new AppError('VALIDATION_FAILED', { message, errors: [{ path: `body.rule.${path}`, message }] });

/**
 * What the schema cannot check: referenced habits, programs and achievements exist in this creator, `achievement`
 * rules never depend on themselves through others (such a rule could never be earned), and counts are reachable.
 */
const checkRule = async (tx: TenantTx, rule: TAchievementRule, selfId: string | null): Promise<void> => {
  if ((rule.event === 'checkin' || rule.event === 'streak') && rule.habitId) {
    if ((await habitsRepository.existingIds(tx, [rule.habitId])).length === 0)
      throw ruleProblem('habitId', 'No habit with this id: create the habit first.');
  }
  if ((rule.event === 'program_completed' || rule.event === 'program_step_completed') && rule.programId) {
    if ((await habitsRepository.existingProgramIds(tx, [rule.programId])).length === 0)
      throw ruleProblem('programId', 'No program with this id.');
  }
  if (rule.event !== 'achievement') return;

  const rules = await achievementsRepository.rules(tx);
  if (selfId) rules.set(selfId, rule);
  if (rule.achievementIds) {
    const ids = [...new Set(rule.achievementIds)];
    const unknown = ids.filter((id) => !rules.has(id) || id === selfId);
    if (unknown.some((id) => id === selfId))
      throw ruleProblem('achievementIds', 'An achievement cannot require itself: it could never be earned.');
    if (unknown.length > 0)
      throw ruleProblem('achievementIds', `Unknown achievements: ${unknown.join(', ')}.`);
    if (rule.count > ids.length)
      throw ruleProblem('count', `count is ${rule.count} but only ${ids.length} achievements are listed.`);
    if (selfId) {
      // Depth-first over "requires" edges from the listed achievements: reaching this one again is a cycle.
      const seen = new Set<string>();
      const stack = [...ids];
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (id === selfId)
          throw ruleProblem(
            'achievementIds',
            'These achievements require this one in turn: the rules form a cycle and none could ever be earned.',
          );
        if (seen.has(id)) continue;
        seen.add(id);
        const next = rules.get(id);
        if (next?.event === 'achievement' && next.achievementIds) stack.push(...next.achievementIds);
      }
    }
  } else {
    const countable = [...rules.entries()].filter(
      ([id, other]) => id !== selfId && other.event !== 'achievement',
    );
    if (rule.count > countable.length)
      throw ruleProblem(
        'count',
        `count is ${rule.count} but the creator has ${countable.length} achievements it can count (rules on achievements are not counted).`,
      );
  }
};

const toAchievement = (row: AchievementRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  icon: row.icon,
  rule: row.rule,
  points: row.points,
  awardedCount: row.awardedCount,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

/**
 * Gamification of the creator hub: the settings, the achievements the creator defines, and `recordEvent` for
 * every other part of the platform (check-ins, the program engine, the channel inbound) to call inside its own
 * transaction.
 */
export const createGamificationService = (deps: { db: TenantDatabase; hooks: GamificationHooks }) => {
  const getAchievement = async (tx: TenantTx, id: string) => {
    const row = await achievementsRepository.getById(tx, id);
    if (!row) throw notFound('achievement');
    return toAchievement(row);
  };

  return {
    /** See recordGamificationEvent; announcements go through the wired announcer. */
    recordEvent: (tx: TenantTx, event: TGamificationEvent) =>
      recordGamificationEvent(tx, event, { announceAward: deps.hooks.announceAward }),

    getSettings: (ctx: StaffContext) => withTenant(deps.db, ctx.creatorId, loadGamificationSettings),

    async putSettings(ctx: StaffContext, input: TGamificationSettings) {
      const settings = ZGamificationSettings.parse(input);
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        await gamificationSettingsRepository.upsert(tx, settings);
        await appendAuditEntry(tx, ctx, { action: 'gamification.settings_changed', targetType: 'creator' });
      });
      return settings;
    },

    async listAchievements(ctx: StaffContext) {
      const rows = await withTenant(deps.db, ctx.creatorId, (tx) => achievementsRepository.list(tx));
      return { items: rows.map(toAchievement) };
    },

    async createAchievement(ctx: StaffContext, input: TCreateAchievement) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        if ((await achievementsRepository.rules(tx)).size >= gamificationLimits.maxAchievementsPerCreator) {
          throw new AppError('VALIDATION_FAILED', {
            message: `A creator can define at most ${gamificationLimits.maxAchievementsPerCreator} achievements.`,
          });
        }
        await checkRule(tx, input.rule, null);
        const fields: AchievementFields = {
          name: input.name,
          description: input.description ?? null,
          icon: input.icon ?? null,
          rule: input.rule,
          points: input.points,
        };
        const id = await achievementsRepository.insert(tx, fields, ctx.actor.id);
        await appendAuditEntry(tx, ctx, {
          action: 'achievement.created',
          targetType: 'achievement',
          targetId: id,
          metadata: { name: input.name, rule: input.rule },
        });
        return getAchievement(tx, id);
      });
    },

    async updateAchievement(ctx: StaffContext, id: string, patch: TUpdateAchievement) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const existing = await achievementsRepository.getById(tx, id);
        if (!existing) throw notFound('achievement');
        if (patch.rule) await checkRule(tx, patch.rule, id);
        const fields: AchievementFields = {
          name: patch.name ?? existing.name,
          description: patch.description !== undefined ? patch.description : existing.description,
          icon: patch.icon !== undefined ? patch.icon : existing.icon,
          rule: patch.rule ?? existing.rule,
          points: patch.points ?? existing.points,
        };
        await achievementsRepository.update(tx, id, fields);
        await appendAuditEntry(tx, ctx, {
          action: 'achievement.updated',
          targetType: 'achievement',
          targetId: id,
          metadata: { fields: Object.keys(patch) },
        });
        return getAchievement(tx, id);
      });
    },

    /** Deletes the achievement and the awards of it (points already paid stay); 409 while another rule needs it. */
    async deleteAchievement(ctx: StaffContext, id: string) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        const rules = await achievementsRepository.rules(tx);
        if (!rules.has(id)) throw notFound('achievement');
        const dependents = [...rules.entries()].filter(
          ([otherId, rule]) =>
            otherId !== id && rule.event === 'achievement' && rule.achievementIds?.includes(id),
        );
        if (dependents.length > 0) {
          throw new AppError('CONFLICT', {
            message: `Achievements ${dependents.map(([otherId]) => otherId).join(', ')} require this one: change their rules first.`,
          });
        }
        await achievementsRepository.delete(tx, id);
        await appendAuditEntry(tx, ctx, {
          action: 'achievement.deleted',
          targetType: 'achievement',
          targetId: id,
        });
      });
    },
  };
};

export type GamificationService = ReturnType<typeof createGamificationService>;
