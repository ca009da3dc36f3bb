import type { TProgramTrigger } from '@companero/contracts/creator-hub/programs';
import type { TenantTx } from '@companero/db/tenant';

/** The start node of a program's latest published version: what new enrollments run and when. */
export type PublishedStart = {
  programId: string;
  versionId: string;
  publishedAt: Date;
  startNodeId: string;
  triggers: TProgramTrigger[];
};

/** Trigger look-ups: which published programs listen for an event, and which members an occurrence is for. */
export const programTriggersRepository = {
  /**
   * The latest published version's start node of every program that has one of these trigger types (only the
   * latest version enrolls). Triggers are read back raw: the caller parses them with the shared schema.
   */
  async publishedWith(
    tx: TenantTx,
    triggerTypes: readonly string[],
  ): Promise<(Omit<PublishedStart, 'triggers'> & { triggers: unknown[] })[]> {
    const { rows } = await tx.query<Omit<PublishedStart, 'triggers'> & { triggers: unknown[] | null }>(
      `select p.id as "programId", v.id as "versionId", v.published_at as "publishedAt",
              s.node->>'id' as "startNodeId", s.node->'data'->'triggers' as triggers
         from programs p
         join program_versions v on v.program_id = p.id and v.version = p.latest_version
         cross join lateral (
           select node from jsonb_array_elements(v.graph->'nodes') as node where node->>'type' = 'start' limit 1
         ) s
        where exists (
          select 1 from jsonb_array_elements(coalesce(s.node->'data'->'triggers', '[]'::jsonb)) as t
           where t->>'type' = any($1::text[]))`,
      [triggerTypes],
    );
    return rows.map((row) => ({ ...row, triggers: row.triggers ?? [] }));
  },

  /** The distinct time zone values members have (null = the creator's). */
  async memberTimezones(tx: TenantTx): Promise<(string | null)[]> {
    const { rows } = await tx.query<{ timezone: string | null }>('select distinct timezone from members');
    return rows.map((row) => row.timezone);
  },

  /**
   * Records occurrence `occurrence` for every subscribed member whose timezone column is `timezone` (null =
   * unset), with `tag` when given; returns the members for whom it was new.
   */
  async recordForTimezone(
    tx: TenantTx,
    input: { programId: string; timezone: string | null; tag: string | null; occurrence: string },
  ): Promise<string[]> {
    const { rows } = await tx.query<{ memberId: string }>(
      `insert into program_trigger_occurrences (creator_id, program_id, member_id, occurrence)
       select $1, $2, m.id, $5 from members m
        where m.timezone is not distinct from $3 and m.unsubscribed_at is null
          and ($4::text is null or m.tags @> array[$4::text])
       on conflict do nothing
       returning member_id as "memberId"`,
      [tx.creatorId, input.programId, input.timezone, input.tag, input.occurrence],
    );
    return rows.map((row) => row.memberId);
  },

  /** Records occurrence `occurrence` for every subscribed member; returns the members for whom it was new. */
  async recordForEveryone(tx: TenantTx, input: { programId: string; occurrence: string }): Promise<string[]> {
    const { rows } = await tx.query<{ memberId: string }>(
      `insert into program_trigger_occurrences (creator_id, program_id, member_id, occurrence)
       select $1, $2, m.id, $3 from members m where m.unsubscribed_at is null
       on conflict do nothing
       returning member_id as "memberId"`,
      [tx.creatorId, input.programId, input.occurrence],
    );
    return rows.map((row) => row.memberId);
  },

  /**
   * Members with no inbound message for `days` (since they joined, if they never wrote): one occurrence per
   * quiet spell, keyed by the last activity, so a member who comes back and falls silent again is enrolled again.
   */
  async recordInactive(
    tx: TenantTx,
    input: { programId: string; days: number; now: Date },
  ): Promise<string[]> {
    const { rows } = await tx.query<{ memberId: string }>(
      `with activity as (
         select m.id, coalesce((select max(i.last_inbound_at) from channel_identities i where i.member_id = m.id),
                               m.created_at) as last_at
           from members m where m.unsubscribed_at is null
       )
       insert into program_trigger_occurrences (creator_id, program_id, member_id, occurrence)
       select $1, $2, a.id, 'inactivity:' || $3::int || ':' || floor(extract(epoch from a.last_at))::bigint
         from activity a where a.last_at <= $4::timestamptz - make_interval(days => $3::int)
       on conflict do nothing
       returning member_id as "memberId"`,
      [tx.creatorId, input.programId, input.days, input.now],
    );
    return rows.map((row) => row.memberId);
  },

  /**
   * Subscribed members whose date attribute `field` (YYYY-MM-DD, or an ISO date-time: its date part) falls
   * within [from, to]: the caller computes each one's local due time.
   */
  async withDateAttribute(
    tx: TenantTx,
    input: { field: string; from: string; to: string },
  ): Promise<{ memberId: string; date: string; timezone: string | null }[]> {
    const { rows } = await tx.query<{ memberId: string; date: string; timezone: string | null }>(
      `select id as "memberId", left(attributes->>$1, 10) as date, timezone from members
        where unsubscribed_at is null and attributes->>$1 ~ '^\\d{4}-\\d{2}-\\d{2}'
          and left(attributes->>$1, 10) between $2 and $3`,
      [input.field, input.from, input.to],
    );
    return rows;
  },
};
