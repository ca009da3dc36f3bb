import {
  evaluateAtRisk,
  fromDayNumber,
  localDateAt,
  toDayNumber,
} from '@companero/contracts/creator-hub/habit-streaks';
import type { TAtRiskReason } from '@companero/contracts/creator-hub/habits';
import { isTimeZone } from '@companero/core/time/time-zone';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, withAppRole, withTenant } from '@companero/db/tenant';
import { habitsAtRiskScanJob } from '../jobs/habits-at-risk-scan.job';
import type { AtRiskFlag, AtRiskHook } from '../ports/gamification-hooks';
import { habitScansRepository } from '../repositories/habit-scans.repository';
import {
  memberHabitsRepository,
  type RiskUpdate,
  type ScanRow,
} from '../repositories/member-habits.repository';
import { loadGamificationSettings } from './gamification.service';
import { resolveMemberTimezone } from './habit-checkins.service';

// evaluateAtRisk reads the four complete weeks before this one and this week up to today: 4 × 7 + 7 days.
const windowDays = 35;
/** The creator-local hour after which the nightly scan runs. */
export const nightlyScanHour = 3;

export type HabitsAtRiskHooks = { onAtRisk?: AtRiskHook };

export type ScanResult =
  | { status: 'skipped'; reason: 'already_scanned_today' }
  | {
      status: 'scanned';
      habitsEvaluated: number;
      membersFlagged: number;
      newlyFlagged: AtRiskFlag[];
      changed: number;
      durationMs: number;
    };

// jsonb keeps object keys in its own order (shorter keys first): compare reasons with their keys sorted.
const canonical = (reasons: TAtRiskReason[]) =>
  JSON.stringify(
    reasons.map((reason) => Object.entries(reason).sort(([left], [right]) => left.localeCompare(right))),
  );
const sameReasons = (left: TAtRiskReason[], right: TAtRiskReason[]) => canonical(left) === canonical(right);

const localHourAt = (instant: Date, timeZone: string) =>
  Number(new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(instant));

/** Rebuilds the window's check-ins (date → status) from the bit masks of scanWindow. */
const checkInsFromMasks = (row: ScanRow) => {
  const checkIns = new Map<string, 'done' | 'skipped'>();
  const firstDay = toDayNumber(row.today) - (windowDays - 1);
  for (const [mask, status] of [
    [BigInt(row.doneMask), 'done'],
    [BigInt(row.skippedMask), 'skipped'],
  ] as const) {
    let bits = mask;
    for (let offset = 0; bits > 0n; offset += 1, bits >>= 1n) {
      if (bits & 1n) checkIns.set(fromDayNumber(firstDay + offset), status);
    }
  }
  return checkIns;
};

/**
 * The nightly at-risk scan: every active adoption of a creator evaluated with evaluateAtRisk (habit-streaks.ts)
 * on a 35-day window read as bit masks, flags written only where they changed, and the members newly flagged
 * handed to the at-risk hook (a program trigger can start from there).
 */
export const createHabitsAtRiskService = (deps: {
  db: TenantDatabase;
  jobs: JobQueue;
  hooks: HabitsAtRiskHooks;
  now?: () => Date;
}) => {
  const now = () => deps.now?.() ?? new Date();

  const scan = async (creatorId: string, options: { force?: boolean } = {}): Promise<ScanResult> => {
    const startedAt = performance.now();
    const instant = now();
    // 1. Read: settings, every member's today, the window of each adoption.
    const read = await withTenant(deps.db, creatorId, async (tx) => {
      const { rows } = await tx.query<{ timezone: string }>('select timezone from creators where id = $1', [
        creatorId,
      ]);
      const creatorTimezone = resolveMemberTimezone(null, rows[0]?.timezone ?? null);
      const creatorToday = localDateAt(instant, creatorTimezone);
      const state = await habitScansRepository.get(tx);
      if (!options.force && state?.lastScannedOn && state.lastScannedOn >= creatorToday) return null;
      await habitScansRepository.started(tx, creatorTimezone);
      const settings = await loadGamificationSettings(tx);
      const todayByZone = new Map<string, string>();
      for (const zone of await memberHabitsRepository.activeTimezones(tx)) {
        if (isTimeZone(zone)) todayByZone.set(zone, localDateAt(instant, zone));
      }
      const rowsInWindow = await memberHabitsRepository.scanWindow(tx, {
        todayByZone,
        defaultToday: creatorToday,
        windowDays,
      });
      return { settings, creatorToday, rows: rowsInWindow };
    });
    if (!read) return { status: 'skipped', reason: 'already_scanned_today' };

    // 2. Evaluate in memory with the shared rule.
    const updates: RiskUpdate[] = [];
    const flaggedMembers = new Set<string>();
    const newly = new Map<string, AtRiskFlag>();
    for (const row of read.rows) {
      const evaluation = evaluateAtRisk(
        {
          schedule: row.schedule,
          startedOn: row.startedOn,
          today: row.today,
          checkIns: checkInsFromMasks(row),
        },
        read.settings.atRisk,
        row.lastCheckInOn,
      );
      if (evaluation.isAtRisk) flaggedMembers.add(row.memberId);
      if (evaluation.isAtRisk === row.isAtRisk && sameReasons(evaluation.reasons, row.atRiskReasons))
        continue;
      updates.push({
        id: row.id,
        isAtRisk: evaluation.isAtRisk,
        reasons: evaluation.reasons,
        lastCheckInOn: row.lastCheckInOn,
      });
      if (evaluation.isAtRisk && !row.isAtRisk) {
        const flag = newly.get(row.memberId) ?? { memberId: row.memberId, habits: [] };
        flag.habits.push({ memberHabitId: row.id, habitId: row.habitId, reasons: evaluation.reasons });
        newly.set(row.memberId, flag);
      }
    }

    // 3. Write the changes (skipping adoptions checked in meanwhile), tell the hook, record the scan.
    const durationMs = Math.round(performance.now() - startedAt);
    await withTenant(deps.db, creatorId, async (tx) => {
      await memberHabitsRepository.applyRisk(tx, updates);
      if (newly.size > 0 && deps.hooks.onAtRisk) await deps.hooks.onAtRisk(tx, [...newly.values()]);
      await habitScansRepository.finished(tx, {
        scannedOn: read.creatorToday,
        habitsEvaluated: read.rows.length,
        membersFlagged: flaggedMembers.size,
        durationMs: Math.round(performance.now() - startedAt),
      });
    });
    return {
      status: 'scanned',
      habitsEvaluated: read.rows.length,
      membersFlagged: flaggedMembers.size,
      newlyFlagged: [...newly.values()],
      changed: updates.length,
      durationMs: Math.max(durationMs, Math.round(performance.now() - startedAt)),
    };
  };

  return {
    scan,

    /** Queues a forced scan of one creator (the hub's "scan now"). */
    requestScan: (creatorId: string) => deps.jobs.send(habitsAtRiskScanJob, { creatorId, force: true }),

    /**
     * The hourly fan-out: a scan job for each creator whose local night has come and who was not scanned on their
     * local date yet (one job per creator and hour at most). Returns the creators it queued.
     */
    async sweep(): Promise<string[]> {
      const instant = now();
      const due = await withAppRole(deps.db, async (tx) => {
        const zones = new Map<string, { date: string; hour: number }>();
        for (const zone of await habitScansRepository.timezones(tx)) {
          if (isTimeZone(zone))
            zones.set(zone, { date: localDateAt(instant, zone), hour: localHourAt(instant, zone) });
        }
        return habitScansRepository.due(tx, zones, nightlyScanHour);
      });
      for (const creatorId of due) {
        await deps.jobs.send(
          habitsAtRiskScanJob,
          { creatorId, force: false },
          { singletonKey: `habits-at-risk:${creatorId}`, singletonSeconds: 3600 },
        );
      }
      return due;
    },
  };
};

export type HabitsAtRisk = ReturnType<typeof createHabitsAtRiskService>;
