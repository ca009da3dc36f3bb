import type { TenantTx } from '@companero/db/tenant';

export type MemberClockRow = {
  id: string;
  name: string | null;
  displayName: string | null;
  leaderboardOptIn: boolean;
  timezone: string | null;
  creatorTimezone: string;
};

/** The member's own gamification profile: display name, leaderboard opt-in, time zone (with the creator's). */
export const memberProfilesRepository = {
  async get(tx: TenantTx, memberId: string): Promise<MemberClockRow | null> {
    const { rows } = await tx.query<MemberClockRow>(
      `select m.id, m.name, m.display_name as "displayName", m.leaderboard_opt_in as "leaderboardOptIn", m.timezone,
              c.timezone as "creatorTimezone"
         from members m join creators c on c.id = m.creator_id
        where m.id = $1`,
      [memberId],
    );
    return rows[0] ?? null;
  },

  /** The profile with the creator's gamification settings (raw) and the member's points, in one statement. */
  async getWithGamification(
    tx: TenantTx,
    memberId: string,
  ): Promise<(MemberClockRow & { settings: unknown | null; points: number }) | null> {
    const { rows } = await tx.query<MemberClockRow & { settings: unknown | null; points: number }>(
      `select m.id, m.name, m.display_name as "displayName", m.leaderboard_opt_in as "leaderboardOptIn", m.timezone,
              c.timezone as "creatorTimezone", gs.settings, coalesce(p.points, 0) as points
         from members m
         join creators c on c.id = m.creator_id
         left join gamification_settings gs on gs.creator_id = m.creator_id
         left join member_points p on p.creator_id = m.creator_id and p.member_id = m.id
        where m.id = $1`,
      [memberId],
    );
    return rows[0] ?? null;
  },

  async update(
    tx: TenantTx,
    memberId: string,
    patch: { displayName?: string | null; leaderboardOptIn?: boolean; timezone?: string },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update members set
         display_name = case when $2 then $3 else display_name end,
         leaderboard_opt_in = coalesce($4, leaderboard_opt_in),
         timezone = coalesce($5, timezone)
       where id = $1`,
      [
        memberId,
        patch.displayName !== undefined,
        patch.displayName ?? null,
        patch.leaderboardOptIn ?? null,
        patch.timezone ?? null,
      ],
    );
    return rowCount > 0;
  },
};
