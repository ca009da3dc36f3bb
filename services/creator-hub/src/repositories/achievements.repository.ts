import type { TAchievementRule } from '@companero/contracts/creator-hub/gamification';
import type { TenantTx } from '@companero/db/tenant';

// Rules are validated against the shared schema (and the creator's habits, programs and achievements) before
// they are written, so the jsonb read back is typed as the parsed rule.

export type AchievementRow = {
  id: string;
  name: string;
  description: string | null;
  icon: string | null;
  rule: TAchievementRule;
  points: number;
  awardedCount: number;
  createdAt: Date;
  updatedAt: Date;
};

export type AchievementFields = {
  name: string;
  description: string | null;
  icon: string | null;
  rule: TAchievementRule;
  points: number;
};

export type MemberAchievementRow = AchievementRow & { awardedAt: Date | null };

const columns = `a.id, a.name, a.description, a.icon, a.rule, a.points, a.created_at as "createdAt",
  a.updated_at as "updatedAt",
  (select count(*)::int from member_achievements ma where ma.achievement_id = a.id) as "awardedCount"`;

export const achievementsRepository = {
  async list(tx: TenantTx): Promise<AchievementRow[]> {
    const { rows } = await tx.query<AchievementRow>(
      `select ${columns} from achievements a order by a.created_at, a.id`,
    );
    return rows;
  },

  async getById(tx: TenantTx, id: string): Promise<AchievementRow | null> {
    const { rows } = await tx.query<AchievementRow>(`select ${columns} from achievements a where a.id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  },

  /** id → rule of every achievement (to check references and cycles). */
  async rules(tx: TenantTx): Promise<Map<string, TAchievementRule>> {
    const { rows } = await tx.query<{ id: string; rule: TAchievementRule }>(
      'select id, rule from achievements',
    );
    return new Map(rows.map((row) => [row.id, row.rule]));
  },

  async insert(tx: TenantTx, fields: AchievementFields, createdBy: string | null): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      `insert into achievements (creator_id, name, description, icon, rule, points, created_by)
       values ($1, $2, $3, $4, $5::jsonb, $6, $7) returning id`,
      [
        tx.creatorId,
        fields.name,
        fields.description,
        fields.icon,
        JSON.stringify(fields.rule),
        fields.points,
        createdBy,
      ],
    );
    return rows[0]!.id;
  },

  async update(tx: TenantTx, id: string, fields: AchievementFields): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update achievements set name = $2, description = $3, icon = $4, rule = $5::jsonb, points = $6 where id = $1`,
      [id, fields.name, fields.description, fields.icon, JSON.stringify(fields.rule), fields.points],
    );
    return rowCount > 0;
  },

  async delete(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from achievements where id = $1', [id]);
    return rowCount > 0;
  },

  /** The creator's achievements the member does not hold yet (candidates for an event). */
  async notAwardedTo(tx: TenantTx, memberId: string): Promise<AchievementRow[]> {
    const { rows } = await tx.query<AchievementRow>(
      `select a.id, a.name, a.description, a.icon, a.rule, a.points, a.created_at as "createdAt",
              a.updated_at as "updatedAt", 0 as "awardedCount"
         from achievements a
        where not exists (select 1 from member_achievements ma
                           where ma.creator_id = a.creator_id and ma.member_id = $1 and ma.achievement_id = a.id)
        order by a.created_at, a.id`,
      [memberId],
    );
    return rows;
  },

  /** Awards once: true when this call awarded it, false when the member already held it. */
  async award(tx: TenantTx, memberId: string, achievementId: string, eventKey: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `insert into member_achievements (creator_id, member_id, achievement_id, event_key) values ($1, $2, $3, $4)
       on conflict do nothing`,
      [tx.creatorId, memberId, achievementId, eventKey],
    );
    return rowCount > 0;
  },

  /**
   * How many achievements the member holds among `ids`, or, without ids, among the achievements whose rule is
   * not itself about achievements (so "any N" rules never depend on each other).
   */
  async countHeld(tx: TenantTx, memberId: string, ids?: string[]): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      `select count(*)::int as count from member_achievements ma join achievements a on a.id = ma.achievement_id
        where ma.creator_id = $1 and ma.member_id = $2
          and (case when $3::uuid[] is null then a.rule ->> 'event' <> 'achievement' else a.id = any($3::uuid[]) end)`,
      [tx.creatorId, memberId, ids ?? null],
    );
    return rows[0]!.count;
  },

  /** Every achievement of the creator with when the member earned it (null: still locked). */
  async forMember(tx: TenantTx, memberId: string): Promise<MemberAchievementRow[]> {
    const { rows } = await tx.query<MemberAchievementRow>(
      `select a.id, a.name, a.description, a.icon, a.rule, a.points, a.created_at as "createdAt",
              a.updated_at as "updatedAt", 0 as "awardedCount", ma.awarded_at as "awardedAt"
         from achievements a
         left join member_achievements ma on ma.creator_id = a.creator_id and ma.member_id = $1 and ma.achievement_id = a.id
        order by ma.awarded_at desc nulls last, a.created_at, a.id`,
      [memberId],
    );
    return rows;
  },
};
