import type { AppTx, TenantTx } from '@companero/db/tenant';

export type HabitScanRow = {
  timezone: string;
  lastScannedOn: string | null;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  habitsEvaluated: number | null;
  membersFlagged: number | null;
};

/** One row per creator with habits: the nightly at-risk scan's bookkeeping. */
export const habitScansRepository = {
  /** Makes sure the creator is in the nightly sweep (called when a member adopts a habit). */
  async enroll(tx: TenantTx): Promise<void> {
    await tx.query(
      `insert into habit_scans (creator_id, timezone) select id, timezone from creators where id = $1
       on conflict (creator_id) do nothing`,
      [tx.creatorId],
    );
  },

  async get(tx: TenantTx): Promise<HabitScanRow | null> {
    const { rows } = await tx.query<HabitScanRow>(
      `select timezone, last_scanned_on::text as "lastScannedOn", last_started_at as "lastStartedAt",
              last_finished_at as "lastFinishedAt", habits_evaluated as "habitsEvaluated",
              members_flagged as "membersFlagged"
         from habit_scans where creator_id = $1`,
      [tx.creatorId],
    );
    return rows[0] ?? null;
  },

  async started(tx: TenantTx, timezone: string): Promise<void> {
    await tx.query(
      `insert into habit_scans (creator_id, timezone, last_started_at) values ($1, $2, now())
       on conflict (creator_id) do update set timezone = excluded.timezone, last_started_at = now()`,
      [tx.creatorId, timezone],
    );
  },

  async finished(
    tx: TenantTx,
    result: { scannedOn: string; habitsEvaluated: number; membersFlagged: number; durationMs: number },
  ): Promise<void> {
    await tx.query(
      `update habit_scans set last_scanned_on = $2::date, last_finished_at = now(), habits_evaluated = $3,
              members_flagged = $4, duration_ms = $5
        where creator_id = $1`,
      [tx.creatorId, result.scannedOn, result.habitsEvaluated, result.membersFlagged, result.durationMs],
    );
  },

  /**
   * Creators whose nightly scan is due: their local time is past `hour` and they were not scanned on their
   * local date yet. Runs in the sweep scope (every creator's row, ids and times only).
   */
  async due(
    tx: AppTx,
    todayByZone: Map<string, { date: string; hour: number }>,
    hour: number,
  ): Promise<string[]> {
    await tx.query("select set_config('app.habit_scan', 'sweep', true)");
    const { rows } = await tx.query<{ creatorId: string; timezone: string; lastScannedOn: string | null }>(
      `select creator_id as "creatorId", timezone, last_scanned_on::text as "lastScannedOn" from habit_scans`,
    );
    return rows
      .filter((row) => {
        const local = todayByZone.get(row.timezone);
        return (
          local !== undefined &&
          local.hour >= hour &&
          (row.lastScannedOn === null || row.lastScannedOn < local.date)
        );
      })
      .map((row) => row.creatorId);
  },

  async timezones(tx: AppTx): Promise<string[]> {
    await tx.query("select set_config('app.habit_scan', 'sweep', true)");
    const { rows } = await tx.query<{ timezone: string }>('select distinct timezone from habit_scans');
    return rows.map((row) => row.timezone);
  },
};
