import { fromDayNumber } from '@companero/contracts/creator-hub/habit-streaks';
import type { TAtRiskReason, THabitSchedule, THabitTarget } from '@companero/contracts/creator-hub/habits';
import type { TenantTx } from '@companero/db/tenant';

// Dates are read as text (::text): node-postgres would turn a `date` into a Date at local midnight of the
// server, which is not the member's calendar day.

export type MemberHabitRow = {
  id: string;
  memberId: string;
  habitId: string;
  status: 'active' | 'ended';
  reminderTime: string | null;
  startedOn: string;
  endedAt: Date | null;
  lastCheckInOn: string | null;
  isAtRisk: boolean;
  atRiskReasons: TAtRiskReason[];
  atRiskSince: Date | null;
  habit: {
    id: string;
    name: string;
    description: string | null;
    icon: string | null;
    schedule: THabitSchedule;
    target: THabitTarget | null;
    reminderTime: string | null;
    keywords: string[];
  };
};

export type CheckInRow = {
  id: string;
  memberHabitId: string;
  date: string;
  status: 'done' | 'skipped';
  value: number | null;
  source: string;
  sourceMessageId: string | null;
  clientId: string | null;
  createdAt: Date;
};

export type CheckInMark = { memberHabitId: string; date: string; status: 'done' | 'skipped' };

const memberHabitColumns = `mh.id, mh.member_id as "memberId", mh.habit_id as "habitId", mh.status,
  mh.reminder_time as "reminderTime", mh.started_on::text as "startedOn", mh.ended_at as "endedAt",
  mh.last_checkin_on::text as "lastCheckInOn", mh.is_at_risk as "isAtRisk", mh.at_risk_reasons as "atRiskReasons",
  mh.at_risk_since as "atRiskSince",
  json_build_object('id', h.id, 'name', h.name, 'description', h.description, 'icon', h.icon,
    'schedule', h.schedule, 'target', h.target, 'reminderTime', h.reminder_time, 'keywords', h.keywords) as habit`;

const checkInColumns = `c.id, c.member_habit_id as "memberHabitId", c.occurred_on::text as date, c.status,
  c.value::float8 as value, c.source, c.source_message_id as "sourceMessageId", c.client_id as "clientId",
  c.created_at as "createdAt"`;

export type ScanRow = {
  id: string;
  memberId: string;
  habitId: string;
  schedule: THabitSchedule;
  startedOn: string;
  today: string;
  lastCheckInOn: string | null;
  /** Bit i: a check-in on today − (windowDays − 1) + i. */
  doneMask: string;
  skippedMask: string;
  isAtRisk: boolean;
  atRiskReasons: TAtRiskReason[];
};

export type RiskUpdate = {
  id: string;
  isAtRisk: boolean;
  reasons: TAtRiskReason[];
  /** The adoption's last check-in date the verdict was computed with: a check-in since then wins. */
  lastCheckInOn: string | null;
};

export const memberHabitsRepository = {
  /** The member's adoptions with their habit, active first, oldest first. */
  async listForMember(
    tx: TenantTx,
    memberId: string,
    options: { activeOnly: boolean },
  ): Promise<MemberHabitRow[]> {
    const { rows } = await tx.query<MemberHabitRow>(
      `select ${memberHabitColumns} from member_habits mh join habits h on h.id = mh.habit_id
        where mh.member_id = $1 ${options.activeOnly ? "and mh.status = 'active'" : ''}
        order by mh.status, mh.created_at, mh.id`,
      [memberId],
    );
    return rows;
  },

  async getForMember(tx: TenantTx, memberId: string, memberHabitId: string): Promise<MemberHabitRow | null> {
    const { rows } = await tx.query<MemberHabitRow>(
      `select ${memberHabitColumns} from member_habits mh join habits h on h.id = mh.habit_id
        where mh.id = $1 and mh.member_id = $2`,
      [memberHabitId, memberId],
    );
    return rows[0] ?? null;
  },

  async getByHabit(tx: TenantTx, memberId: string, habitId: string): Promise<MemberHabitRow | null> {
    const { rows } = await tx.query<MemberHabitRow>(
      `select ${memberHabitColumns} from member_habits mh join habits h on h.id = mh.habit_id
        where mh.member_id = $1 and mh.habit_id = $2`,
      [memberId, habitId],
    );
    return rows[0] ?? null;
  },

  async countActive(tx: TenantTx, memberId: string): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      "select count(*)::int as count from member_habits where member_id = $1 and status = 'active'",
      [memberId],
    );
    return rows[0]!.count;
  },

  /**
   * Adopts the habit, or re-adopts an ended adoption (same row: one history; the streak restarts on `startedOn`).
   * Returns the adoption id and whether it was already active.
   */
  async adopt(
    tx: TenantTx,
    input: { memberId: string; habitId: string; startedOn: string; reminderTime: string | null },
  ): Promise<{ id: string; wasActive: boolean }> {
    const { rows } = await tx.query<{ id: string; wasActive: boolean }>(
      `with previous as (
         select status from member_habits where member_id = $2 and habit_id = $3 for update
       )
       insert into member_habits (creator_id, member_id, habit_id, started_on, reminder_time)
       values ($1, $2, $3, $4::date, $5)
       on conflict (creator_id, member_id, habit_id) do update set
         status = 'active',
         ended_at = null,
         started_on = case when member_habits.status = 'ended' then excluded.started_on else member_habits.started_on end,
         reminder_time = coalesce(excluded.reminder_time, member_habits.reminder_time)
       returning id, coalesce((select status = 'active' from previous), false) as "wasActive"`,
      [tx.creatorId, input.memberId, input.habitId, input.startedOn, input.reminderTime],
    );
    return rows[0]!;
  },

  async end(tx: TenantTx, memberId: string, memberHabitId: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update member_habits set status = 'ended', ended_at = now(), is_at_risk = false,
              at_risk_reasons = '[]'::jsonb, at_risk_since = null
        where id = $1 and member_id = $2 and status = 'active'`,
      [memberHabitId, memberId],
    );
    return rowCount > 0;
  },

  async setReminder(tx: TenantTx, memberId: string, memberHabitId: string, reminderTime: string | null) {
    const { rowCount } = await tx.query(
      "update member_habits set reminder_time = $3 where id = $1 and member_id = $2 and status = 'active'",
      [memberHabitId, memberId, reminderTime],
    );
    return rowCount > 0;
  },

  // ---- check-ins -------------------------------------------------------------------------------------------

  /**
   * Records a check-in unless its occurrence, its source message or its client id already has one (then null:
   * read the existing one). The insert trigger keeps the adoption's bitmaps and last check-in date.
   */
  async insertCheckIn(
    tx: TenantTx,
    input: {
      memberHabitId: string;
      date: string;
      status: 'done' | 'skipped';
      value: number | null;
      source: string;
      sourceMessageId: string | null;
      clientId: string | null;
    },
  ): Promise<CheckInRow | null> {
    const { rows } = await tx.query<CheckInRow>(
      `insert into habit_checkins as c (creator_id, member_habit_id, occurred_on, status, value, source,
                                        source_message_id, client_id)
       values ($1, $2, $3::date, $4, $5, $6, $7, $8)
       on conflict do nothing
       returning ${checkInColumns}`,
      [
        tx.creatorId,
        input.memberHabitId,
        input.date,
        input.status,
        input.value,
        input.source,
        input.sourceMessageId,
        input.clientId,
      ],
    );
    return rows[0] ?? null;
  },

  async checkInByOccurrence(tx: TenantTx, memberHabitId: string, date: string): Promise<CheckInRow | null> {
    const { rows } = await tx.query<CheckInRow>(
      `select ${checkInColumns} from habit_checkins c
        where c.creator_id = $1 and c.member_habit_id = $2 and c.occurred_on = $3::date`,
      [tx.creatorId, memberHabitId, date],
    );
    return rows[0] ?? null;
  },

  async checkInByMessage(tx: TenantTx, messageId: string): Promise<CheckInRow | null> {
    const { rows } = await tx.query<CheckInRow>(
      `select ${checkInColumns} from habit_checkins c where c.creator_id = $1 and c.source_message_id = $2`,
      [tx.creatorId, messageId],
    );
    return rows[0] ?? null;
  },

  async checkInByClientId(tx: TenantTx, memberHabitId: string, clientId: string): Promise<CheckInRow | null> {
    const { rows } = await tx.query<CheckInRow>(
      `select ${checkInColumns} from habit_checkins c
        where c.creator_id = $1 and c.member_habit_id = $2 and c.client_id = $3`,
      [tx.creatorId, memberHabitId, clientId],
    );
    return rows[0] ?? null;
  },

  /**
   * Date and status of every check-in of the adoptions, from their 64-day bitmaps (habit_checkin_marks): a year
   * of one habit is about six rows. Streaks need the whole history.
   */
  async marks(tx: TenantTx, memberHabitIds: string[]): Promise<CheckInMark[]> {
    if (memberHabitIds.length === 0) return [];
    const { rows } = await tx.query<{ memberHabitId: string; chunk: number; done: string; skipped: string }>(
      `select member_habit_id as "memberHabitId", chunk, done::text as done, skipped::text as skipped
         from habit_checkin_marks
        where creator_id = $1 and member_habit_id = any($2::uuid[])
        order by member_habit_id, chunk`,
      [tx.creatorId, memberHabitIds],
    );
    const marks: CheckInMark[] = [];
    for (const row of rows) {
      for (const [mask, status] of [
        [row.done, 'done'],
        [row.skipped, 'skipped'],
      ] as const) {
        // The bigint is signed: bit 63 makes it negative; read it as 64 unsigned bits.
        let bits = BigInt.asUintN(64, BigInt(mask));
        for (let offset = 0; bits > 0n; offset += 1, bits >>= 1n) {
          if (bits & 1n)
            marks.push({
              memberHabitId: row.memberHabitId,
              date: fromDayNumber(row.chunk * 64 + offset),
              status,
            });
        }
      }
    }
    return marks.sort((left, right) =>
      left.memberHabitId === right.memberHabitId
        ? left.date.localeCompare(right.date)
        : left.memberHabitId.localeCompare(right.memberHabitId),
    );
  },

  /** Full check-ins of the adoptions from `from` to `to` (member-local dates), oldest first. */
  async checkInsBetween(
    tx: TenantTx,
    memberHabitIds: string[],
    from: string,
    to: string,
  ): Promise<CheckInRow[]> {
    if (memberHabitIds.length === 0) return [];
    const { rows } = await tx.query<CheckInRow>(
      `select ${checkInColumns} from habit_checkins c
        where c.creator_id = $1 and c.member_habit_id = any($2::uuid[])
          and c.occurred_on between $3::date and $4::date
        order by c.occurred_on, c.created_at`,
      [tx.creatorId, memberHabitIds, from, to],
    );
    return rows;
  },

  /** Today's check-ins of the adoptions, each adoption at its own date. */
  async checkInsOn(tx: TenantTx, memberHabitIds: string[], date: string): Promise<CheckInRow[]> {
    return memberHabitsRepository.checkInsBetween(tx, memberHabitIds, date, date);
  },

  // ---- at risk ---------------------------------------------------------------------------------------------

  /** The distinct time zones of members with an active adoption (the scan resolves each one's date once). */
  async activeTimezones(tx: TenantTx): Promise<string[]> {
    const { rows } = await tx.query<{ timezone: string }>(
      `select distinct m.timezone from members m
        where m.timezone is not null
          and exists (select 1 from member_habits mh where mh.member_id = m.id and mh.status = 'active')`,
    );
    return rows.map((row) => row.timezone);
  },

  /**
   * Every active adoption of the creator with the member's date today (from `todayByZone`, the member's zone;
   * `defaultToday` for members without a known one) and bit masks of its done and skipped check-ins over the
   * last `windowDays` days (bit i = today − (windowDays − 1) + i), cut from the one or two 64-day bitmaps that
   * cover the window. `windowDays` ≤ 63.
   */
  async scanWindow(
    tx: TenantTx,
    options: { todayByZone: Map<string, string>; defaultToday: string; windowDays: number },
  ): Promise<ScanRow[]> {
    const { rows } = await tx.query<ScanRow>(
      `with zones as (select * from unnest($2::text[], $3::date[]) as z (name, today)),
       adoptions as (
         select mh.id, mh.member_id, mh.habit_id, mh.started_on, mh.last_checkin_on, mh.is_at_risk, mh.at_risk_reasons,
                coalesce(z.today, $4::date) as today,
                coalesce(z.today, $4::date) - date '1970-01-01' - ($5::int - 1) as window_start
           from member_habits mh
           join members m on m.id = mh.member_id
           left join zones z on z.name = m.timezone
          where mh.status = 'active'
       )
       select a.id, a.member_id as "memberId", a.habit_id as "habitId", h.schedule, a.started_on::text as "startedOn",
              a.today::text as today, a.last_checkin_on::text as "lastCheckInOn", a.is_at_risk as "isAtRisk",
              a.at_risk_reasons as "atRiskReasons",
              coalesce(w.done_mask, 0)::text as "doneMask", coalesce(w.skipped_mask, 0)::text as "skippedMask"
         from adoptions a
         join habits h on h.id = a.habit_id
         left join lateral (
           -- Shift each chunk so bit 0 is the window's first day; >> sign-extends, the final mask drops that.
           select bit_or(case when k.chunk * 64 >= a.window_start then k.done << (k.chunk * 64 - a.window_start)
                              else k.done >> (a.window_start - k.chunk * 64) end) & ((1::bigint << $5::int) - 1)
                    as done_mask,
                  bit_or(case when k.chunk * 64 >= a.window_start then k.skipped << (k.chunk * 64 - a.window_start)
                              else k.skipped >> (a.window_start - k.chunk * 64) end) & ((1::bigint << $5::int) - 1)
                    as skipped_mask
             from habit_checkin_marks k
            where k.creator_id = $1 and k.member_habit_id = a.id
              and k.chunk between a.window_start / 64 and (a.window_start + $5::int - 1) / 64
         ) w on true`,
      [
        tx.creatorId,
        [...options.todayByZone.keys()],
        [...options.todayByZone.values()],
        options.defaultToday,
        options.windowDays,
      ],
    );
    return rows;
  },

  /**
   * Writes changed at-risk flags; `at_risk_since` keeps the first night a habit was flagged. An adoption checked
   * in or ended since the scan read it keeps its flags (the next scan sees the check-in).
   */
  async applyRisk(tx: TenantTx, updates: RiskUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    const { rowCount } = await tx.query(
      `update member_habits mh set
         is_at_risk = u.is_at_risk,
         at_risk_reasons = u.reasons,
         at_risk_since = case when u.is_at_risk then coalesce(mh.at_risk_since, now()) else null end
         from unnest($1::uuid[], $2::boolean[], $3::jsonb[], $4::date[]) as u (id, is_at_risk, reasons, last_checkin_on)
        where mh.id = u.id and mh.status = 'active' and mh.last_checkin_on is not distinct from u.last_checkin_on`,
      [
        updates.map((update) => update.id),
        updates.map((update) => update.isAtRisk),
        updates.map((update) => JSON.stringify(update.reasons)),
        updates.map((update) => update.lastCheckInOn),
      ],
    );
    return rowCount;
  },

  /** Members with at least one flagged habit, most recently flagged first. */
  async listAtRisk(
    tx: TenantTx,
    limit: number,
  ): Promise<
    {
      memberId: string;
      name: string | null;
      habits: {
        memberHabitId: string;
        habitId: string;
        name: string;
        reasons: TAtRiskReason[];
        flaggedSince: string;
      }[];
    }[]
  > {
    const { rows } = await tx.query<{
      memberId: string;
      name: string | null;
      habits: {
        memberHabitId: string;
        habitId: string;
        name: string;
        reasons: TAtRiskReason[];
        flaggedSince: string;
      }[];
    }>(
      `select m.id as "memberId", coalesce(m.name, m.display_name, m.email) as name,
              json_agg(json_build_object('memberHabitId', mh.id, 'habitId', h.id, 'name', h.name,
                'reasons', mh.at_risk_reasons,
                'flaggedSince', to_char(mh.at_risk_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                order by mh.at_risk_since, h.name) as habits
         from member_habits mh
         join members m on m.id = mh.member_id
         join habits h on h.id = mh.habit_id
        where mh.is_at_risk and mh.status = 'active'
        group by m.id
        order by max(mh.at_risk_since) desc, m.id
        limit $1`,
      [limit],
    );
    return rows;
  },
};
