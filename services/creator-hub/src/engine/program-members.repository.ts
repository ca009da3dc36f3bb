import type { TenantTx } from '@companero/db/tenant';

/** What a program step knows about its member and creator (templates, conditions, rules). */
export type MemberFacts = {
  id: string;
  name: string | null;
  email: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  quietHours: { start: string; end: string } | null;
  unsubscribedAt: Date | null;
  /** The channel of the member's most recent conversation. */
  lastChannel: string | null;
  creatorName: string;
  creatorTimezone: string;
  coachName: string;
  /** The creator's stored proactive rules (raw; null = never saved). */
  proactiveSettings: unknown;
};

/** Statements on members (and the creator row) that the program engine reads and writes. */
export const programMembersRepository = {
  async facts(tx: TenantTx, memberId: string): Promise<MemberFacts | null> {
    const { rows } = await tx.query<MemberFacts>(
      `select m.id, coalesce(m.name, m.display_name) as name, m.email, m.timezone, m.attributes, m.tags,
         m.quiet_hours as "quietHours", m.unsubscribed_at as "unsubscribedAt",
         (select c.channel from conversations c where c.member_id = m.id
           order by c.last_message_at desc nulls last, c.started_at desc limit 1) as "lastChannel",
         cr.name as "creatorName", cr.timezone as "creatorTimezone",
         coalesce((select p.name from coach_personas p where p.creator_id = m.creator_id), 'Coach') as "coachName",
         (select s.settings from proactive_settings s where s.creator_id = m.creator_id) as "proactiveSettings"
         from members m join creators cr on cr.id = m.creator_id
        where m.id = $1`,
      [memberId],
    );
    return rows[0] ?? null;
  },

  /**
   * Serialises the program steps (and the channel service's inbound transaction, which updates the same row
   * first) of one member: the frequency cap counts and inserts without a race, and every transaction takes
   * the member row before an enrollment row, so the two never deadlock.
   */
  async lock(tx: TenantTx, memberId: string): Promise<boolean> {
    const { rows } = await tx.query('select 1 from members where id = $1 for no key update', [memberId]);
    return rows.length > 0;
  },

  /** Locks the member of an enrollment (see `lock`); null when either is gone. */
  async lockForEnrollment(tx: TenantTx, enrollmentId: string): Promise<string | null> {
    const { rows } = await tx.query<{ id: string }>(
      `select m.id from members m
        where m.id = (select e.member_id from program_enrollments e where e.id = $1) for no key update`,
      [enrollmentId],
    );
    return rows[0]?.id ?? null;
  },

  /** Adds and removes tags; returns the tags that were added (absent before). */
  async changeTags(
    tx: TenantTx,
    memberId: string,
    change: { add: string[]; remove: string[] },
  ): Promise<string[]> {
    const { rows } = await tx.query<{ before: string[] }>(
      `with before as (select tags from members where id = $1 for no key update)
       update members m set tags = array(
         select distinct t from unnest(m.tags || $2::text[]) as t where not (t = any($3::text[])) order by t)
       from before where m.id = $1
       returning before.tags as before`,
      [memberId, change.add, change.remove],
    );
    const before = new Set(rows[0]?.before ?? []);
    return [...new Set(change.add)].filter((tag) => !before.has(tag) && !change.remove.includes(tag));
  },

  async tagsOf(tx: TenantTx, memberIds: string[]): Promise<Map<string, string[]>> {
    const { rows } = await tx.query<{ id: string; tags: string[] }>(
      'select id, tags from members where id = any($1::uuid[])',
      [memberIds],
    );
    return new Map(rows.map((row) => [row.id, row.tags]));
  },

  /** The members of `memberIds` who have not unsubscribed. */
  async subscribedOf(tx: TenantTx, memberIds: string[]): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      'select id from members where id = any($1::uuid[]) and unsubscribed_at is null',
      [memberIds],
    );
    return rows.map((row) => row.id);
  },

  async setUnsubscribed(tx: TenantTx, memberId: string, at: Date | null): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update members set unsubscribed_at = case when $2::timestamptz is null then null
         else coalesce(unsubscribed_at, $2::timestamptz) end
        where id = $1 and (unsubscribed_at is null) = ($2::timestamptz is not null)`,
      [memberId, at],
    );
    return rowCount > 0;
  },

  async isUnsubscribed(tx: TenantTx, memberId: string): Promise<boolean> {
    const { rows } = await tx.query<{ unsubscribed: boolean }>(
      'select unsubscribed_at is not null as unsubscribed from members where id = $1',
      [memberId],
    );
    return rows[0]?.unsubscribed ?? false;
  },
};
