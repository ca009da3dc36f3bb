import type { TenantTx } from '@companero/db/tenant';

export type LeaderboardRow = { memberId: string; displayName: string; points: number };

/** The points ledger (every gamification event of a member, once per key) and each member's total. */
export const pointsRepository = {
  /** Records the event unless its key was recorded before; true when it is new. */
  async insertEvent(
    tx: TenantTx,
    event: { memberId: string; type: string; key: string; points: number; data: Record<string, unknown> },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `insert into points_ledger (creator_id, member_id, event_type, event_key, points, data)
       values ($1, $2, $3, $4, $5, $6::jsonb)
       on conflict (creator_id, member_id, event_key) do nothing`,
      [tx.creatorId, event.memberId, event.type, event.key, event.points, JSON.stringify(event.data)],
    );
    return rowCount > 0;
  },

  /** Adds to the member's total (the row lock serialises concurrent events of one member); returns the new total. */
  async addPoints(tx: TenantTx, memberId: string, points: number): Promise<number> {
    const { rows } = await tx.query<{ points: number }>(
      `insert into member_points (creator_id, member_id, points) values ($1, $2, $3)
       on conflict (creator_id, member_id) do update
         set points = member_points.points + excluded.points, updated_at = now()
       returning points`,
      [tx.creatorId, memberId, points],
    );
    return rows[0]!.points;
  },

  async total(tx: TenantTx, memberId: string): Promise<number> {
    const { rows } = await tx.query<{ points: number }>(
      'select points from member_points where creator_id = $1 and member_id = $2',
      [tx.creatorId, memberId],
    );
    return rows[0]?.points ?? 0;
  },

  /** How many events of `type` the member has, optionally only those whose data[field] = value. */
  async countEvents(
    tx: TenantTx,
    memberId: string,
    type: string,
    filter?: { field: string; value: string },
  ): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      `select count(*)::int as count from points_ledger
        where creator_id = $1 and member_id = $2 and event_type = $3
          and ($4::text is null or data ->> $4::text = $5::text)`,
      [tx.creatorId, memberId, type, filter?.field ?? null, filter?.value ?? null],
    );
    return rows[0]!.count;
  },

  /** The member's whole ledger, oldest first (GDPR export). */
  async ledgerOf(
    tx: TenantTx,
    memberId: string,
  ): Promise<{ type: string; key: string; points: number; data: unknown; createdAt: Date }[]> {
    const { rows } = await tx.query<{
      type: string;
      key: string;
      points: number;
      data: unknown;
      createdAt: Date;
    }>(
      `select event_type as type, event_key as key, points, data, created_at as "createdAt"
         from points_ledger where creator_id = $1 and member_id = $2 order by id`,
      [tx.creatorId, memberId],
    );
    return rows;
  },

  /** Opted-in members with a display name, most points first (ties by id, for a stable order). */
  async leaderboard(tx: TenantTx, limit: number): Promise<LeaderboardRow[]> {
    const { rows } = await tx.query<LeaderboardRow>(
      `select m.id as "memberId", m.display_name as "displayName", coalesce(p.points, 0) as points
         from members m
         left join member_points p on p.creator_id = m.creator_id and p.member_id = m.id
        where m.leaderboard_opt_in and m.display_name is not null
        order by coalesce(p.points, 0) desc, m.id
        limit $1`,
      [limit],
    );
    return rows;
  },

  /** 1 + how many opted-in members have more points than `points` (equal points share a rank). */
  async rankFor(tx: TenantTx, points: number): Promise<number> {
    const { rows } = await tx.query<{ rank: number }>(
      `select 1 + count(*)::int as rank
         from members m join member_points p on p.creator_id = m.creator_id and p.member_id = m.id
        where m.leaderboard_opt_in and m.display_name is not null and p.points > $1`,
      [points],
    );
    return rows[0]!.rank;
  },
};
