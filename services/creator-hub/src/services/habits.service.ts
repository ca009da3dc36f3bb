import {
  habitLimits,
  type TCreateHabit,
  type THabit,
  type THabitProgressQuery,
  type TUpdateHabit,
} from '@companero/contracts/creator-hub/habits';
import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { habitScansRepository } from '../repositories/habit-scans.repository';
import { type HabitFields, type HabitRow, habitsRepository } from '../repositories/habits.repository';
import { memberHabitsRepository } from '../repositories/member-habits.repository';
import { buildMemberProgress } from './habit-progress.service';
import type { HabitsAtRisk } from './habits-at-risk.service';

const iso = (value: Date) => new Date(value).toISOString();

const toHabit = (row: HabitRow): THabit => ({
  id: row.id,
  name: row.name,
  description: row.description,
  icon: row.icon,
  schedule: row.schedule,
  target: row.target,
  reminderTime: row.reminderTime,
  keywords: row.keywords,
  isOfferedToAll: row.isOfferedToAll,
  programIds: row.programIds,
  activeMembers: row.activeMembers,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

const invalid = (path: string, message: string) =>
  new AppError('VALIDATION_FAILED', { message, errors: [{ path, message }] });

const checkPrograms = async (tx: TenantTx, programIds: string[], isOfferedToAll: boolean) => {
  const unique = [...new Set(programIds)];
  const existing = new Set(await habitsRepository.existingProgramIds(tx, unique));
  const unknown = unique.filter((id) => !existing.has(id));
  if (unknown.length > 0) throw invalid('body.programIds', `Unknown programs: ${unknown.join(', ')}.`);
  if (!isOfferedToAll && unique.length === 0)
    throw invalid('body.programIds', 'Offer the habit to all members or attach it to at least one program.');
  return unique;
};

/**
 * Habits of the creator hub: the templates the creator offers (to everyone or through programs), the members
 * the nightly scan flagged at risk, and a member's progress.
 */
export const createHabitsService = (deps: { db: TenantDatabase; atRisk: HabitsAtRisk; now?: () => Date }) => {
  const now = () => deps.now?.() ?? new Date();
  const getHabit = async (tx: TenantTx, id: string) => {
    const row = await habitsRepository.getById(tx, id);
    if (!row) throw notFound('habit');
    return toHabit(row);
  };

  return {
    async list(ctx: StaffContext) {
      const rows = await withTenant(deps.db, ctx.creatorId, (tx) => habitsRepository.list(tx));
      return { items: rows.map(toHabit) };
    },

    async create(ctx: StaffContext, input: TCreateHabit) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        if ((await habitsRepository.countActive(tx)) >= habitLimits.maxHabitsPerCreator)
          throw invalid('body', `A creator can offer at most ${habitLimits.maxHabitsPerCreator} habits.`);
        const programIds = await checkPrograms(tx, input.programIds, input.isOfferedToAll);
        const fields: HabitFields = {
          name: input.name,
          description: input.description ?? null,
          icon: input.icon ?? null,
          schedule: input.schedule,
          target: input.target ?? null,
          reminderTime: input.reminderTime ?? null,
          keywords: [...new Set(input.keywords)],
          isOfferedToAll: input.isOfferedToAll,
        };
        const id = await habitsRepository.insert(tx, fields, ctx.actor.id);
        await habitsRepository.setPrograms(tx, id, programIds);
        await appendAuditEntry(tx, ctx, {
          action: 'habit.created',
          targetType: 'habit',
          targetId: id,
          metadata: { name: input.name, schedule: input.schedule },
        });
        return getHabit(tx, id);
      });
    },

    /** A changed schedule applies to the whole history of every adoption (streaks are computed, not stored). */
    async update(ctx: StaffContext, id: string, patch: TUpdateHabit) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const existing = await habitsRepository.getById(tx, id);
        if (!existing) throw notFound('habit');
        const isOfferedToAll = patch.isOfferedToAll ?? existing.isOfferedToAll;
        const programIds = await checkPrograms(tx, patch.programIds ?? existing.programIds, isOfferedToAll);
        const fields: HabitFields = {
          name: patch.name ?? existing.name,
          description: patch.description !== undefined ? patch.description : existing.description,
          icon: patch.icon !== undefined ? patch.icon : existing.icon,
          schedule: patch.schedule ?? existing.schedule,
          target: patch.target !== undefined ? patch.target : existing.target,
          reminderTime: patch.reminderTime !== undefined ? patch.reminderTime : existing.reminderTime,
          keywords: patch.keywords ? [...new Set(patch.keywords)] : existing.keywords,
          isOfferedToAll,
        };
        await habitsRepository.update(tx, id, fields);
        if (patch.programIds) await habitsRepository.setPrograms(tx, id, programIds);
        await appendAuditEntry(tx, ctx, {
          action: 'habit.updated',
          targetType: 'habit',
          targetId: id,
          metadata: { fields: Object.keys(patch) },
        });
        return getHabit(tx, id);
      });
    },

    /** Archives the habit: it leaves the catalog, adoptions end; check-ins, points and awards stay. */
    async archive(ctx: StaffContext, id: string) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        if (!(await habitsRepository.archive(tx, id))) throw notFound('habit');
        await appendAuditEntry(tx, ctx, { action: 'habit.archived', targetType: 'habit', targetId: id });
      });
    },

    async atRisk(ctx: StaffContext, query: { limit: number }) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const items = await memberHabitsRepository.listAtRisk(tx, query.limit);
        const scan = await habitScansRepository.get(tx);
        return {
          items,
          lastScan: {
            startedAt: scan?.lastStartedAt ? iso(scan.lastStartedAt) : null,
            finishedAt: scan?.lastFinishedAt ? iso(scan.lastFinishedAt) : null,
            habitsEvaluated: scan?.habitsEvaluated ?? null,
            membersFlagged: scan?.membersFlagged ?? null,
          },
        };
      });
    },

    /** Queues the at-risk scan of this creator now (the nightly one runs anyway). */
    async requestScan(ctx: StaffContext) {
      const jobId = await deps.atRisk.requestScan(ctx.creatorId);
      return { status: 'queued' as const, jobId };
    },

    /** A member's Progress screen as the member sees it (404 for a member of another creator). */
    memberProgress: (ctx: StaffContext, memberId: string, query: THabitProgressQuery) =>
      withTenant(deps.db, ctx.creatorId, (tx) => buildMemberProgress(tx, memberId, query, now())),
  };
};

export type HabitsService = ReturnType<typeof createHabitsService>;
