import type { THabitSchedule, THabitTarget } from '@companero/contracts/creator-hub/habits';
import type { TenantTx } from '@companero/db/tenant';

// Schedules and targets are validated against the shared schemas before they are written, so the jsonb read
// back is typed as the parsed value.

export type HabitRow = {
  id: string;
  name: string;
  description: string | null;
  icon: string | null;
  schedule: THabitSchedule;
  target: THabitTarget | null;
  reminderTime: string | null;
  keywords: string[];
  isOfferedToAll: boolean;
  programIds: string[];
  activeMembers: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

export type HabitFields = {
  name: string;
  description: string | null;
  icon: string | null;
  schedule: THabitSchedule;
  target: THabitTarget | null;
  reminderTime: string | null;
  keywords: string[];
  isOfferedToAll: boolean;
};

const columns = `h.id, h.name, h.description, h.icon, h.schedule, h.target, h.reminder_time as "reminderTime",
  h.keywords, h.is_offered_to_all as "isOfferedToAll", h.archived_at as "archivedAt",
  h.created_at as "createdAt", h.updated_at as "updatedAt",
  array(select hp.program_id from habit_programs hp where hp.habit_id = h.id order by hp.program_id) as "programIds",
  (select count(*)::int from member_habits mh where mh.habit_id = h.id and mh.status = 'active') as "activeMembers"`;

export const habitsRepository = {
  async list(tx: TenantTx): Promise<HabitRow[]> {
    const { rows } = await tx.query<HabitRow>(
      `select ${columns} from habits h where h.archived_at is null order by h.created_at, h.id`,
    );
    return rows;
  },

  async countActive(tx: TenantTx): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      'select count(*)::int as count from habits where archived_at is null',
    );
    return rows[0]!.count;
  },

  /** A habit that is not archived. */
  async getById(tx: TenantTx, id: string): Promise<HabitRow | null> {
    const { rows } = await tx.query<HabitRow>(
      `select ${columns} from habits h where h.id = $1 and h.archived_at is null`,
      [id],
    );
    return rows[0] ?? null;
  },

  /** Which of `ids` are habits of the creator (archived included: history still counts). */
  async existingIds(tx: TenantTx, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await tx.query<{ id: string }>('select id from habits where id = any($1::uuid[])', [
      ids,
    ]);
    return rows.map((row) => row.id);
  },

  async insert(tx: TenantTx, fields: HabitFields, createdBy: string | null): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      `insert into habits (creator_id, name, description, icon, schedule, target, reminder_time, keywords,
                           is_offered_to_all, created_by)
       values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10) returning id`,
      [
        tx.creatorId,
        fields.name,
        fields.description,
        fields.icon,
        JSON.stringify(fields.schedule),
        fields.target === null ? null : JSON.stringify(fields.target),
        fields.reminderTime,
        fields.keywords,
        fields.isOfferedToAll,
        createdBy,
      ],
    );
    return rows[0]!.id;
  },

  async update(tx: TenantTx, id: string, fields: HabitFields): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update habits set name = $2, description = $3, icon = $4, schedule = $5::jsonb, target = $6::jsonb,
              reminder_time = $7, keywords = $8, is_offered_to_all = $9
        where id = $1 and archived_at is null`,
      [
        id,
        fields.name,
        fields.description,
        fields.icon,
        JSON.stringify(fields.schedule),
        fields.target === null ? null : JSON.stringify(fields.target),
        fields.reminderTime,
        fields.keywords,
        fields.isOfferedToAll,
      ],
    );
    return rowCount > 0;
  },

  async setPrograms(tx: TenantTx, habitId: string, programIds: string[]): Promise<void> {
    await tx.query('delete from habit_programs where habit_id = $1 and not (program_id = any($2::uuid[]))', [
      habitId,
      programIds,
    ]);
    await tx.query(
      `insert into habit_programs (creator_id, habit_id, program_id)
       select $1, $2, unnest($3::uuid[]) on conflict do nothing`,
      [tx.creatorId, habitId, programIds],
    );
  },

  /** Archives the habit and ends its adoptions; check-ins, points and awards stay. */
  async archive(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      'update habits set archived_at = now() where id = $1 and archived_at is null',
      [id],
    );
    if (rowCount === 0) return false;
    await tx.query(
      `update member_habits set status = 'ended', ended_at = now(), is_at_risk = false, at_risk_reasons = '[]'::jsonb,
              at_risk_since = null
        where habit_id = $1 and status = 'active'`,
      [id],
    );
    return true;
  },

  /** Which of `ids` are programs of the creator. */
  async existingProgramIds(tx: TenantTx, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await tx.query<{ id: string }>('select id from programs where id = any($1::uuid[])', [
      ids,
    ]);
    return rows.map((row) => row.id);
  },

  /**
   * Habits the member may adopt: offered to everyone, or attached to a program the member is or was enrolled in.
   */
  async offeredTo(tx: TenantTx, memberId: string): Promise<HabitRow[]> {
    const { rows } = await tx.query<HabitRow>(
      `select ${columns} from habits h
        where h.archived_at is null
          and (h.is_offered_to_all or exists (
                select 1 from habit_programs hp join program_enrollments e on e.program_id = hp.program_id
                 where hp.habit_id = h.id and e.member_id = $1))
        order by h.created_at, h.id`,
      [memberId],
    );
    return rows;
  },

  async isOfferedTo(tx: TenantTx, habitId: string, memberId: string): Promise<boolean> {
    const { rows } = await tx.query(
      `select 1 from habits h
        where h.id = $1 and h.archived_at is null
          and (h.is_offered_to_all or exists (
                select 1 from habit_programs hp join program_enrollments e on e.program_id = hp.program_id
                 where hp.habit_id = h.id and e.member_id = $2))`,
      [habitId, memberId],
    );
    return rows.length > 0;
  },

  /** Habits attached to a program (the engine may adopt them for a member it enrolls). */
  async forProgram(tx: TenantTx, programId: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      `select h.id from habits h join habit_programs hp on hp.habit_id = h.id
        where hp.program_id = $1 and h.archived_at is null order by h.created_at`,
      [programId],
    );
    return rows.map((row) => row.id);
  },
};
