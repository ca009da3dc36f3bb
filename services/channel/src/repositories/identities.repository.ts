import type { TenantTx } from '@companero/db/tenant';

export type IdentityRow = {
  id: string;
  memberId: string;
  channel: string;
  externalId: string;
  displayName: string | null;
  lastInboundAt: Date | null;
  metadata: Record<string, unknown>;
};

const columns = `id, member_id as "memberId", channel, external_id as "externalId", display_name as "displayName",
  last_inbound_at as "lastInboundAt", metadata`;

/** How members are reached on each channel, and the members a first contact creates. */
export const identitiesRepository = {
  /** Serialises first contacts of one sender, so two webhooks at once create one member. */
  async lock(tx: TenantTx, channel: string, externalId: string): Promise<void> {
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `identity:${tx.creatorId}:${channel}:${externalId}`,
    ]);
  },
  async find(tx: TenantTx, channel: string, externalId: string): Promise<IdentityRow | null> {
    const { rows } = await tx.query<IdentityRow>(
      `select ${columns} from channel_identities where channel = $1 and external_id = $2`,
      [channel, externalId],
    );
    return rows[0] ?? null;
  },
  async forMember(tx: TenantTx, memberId: string): Promise<IdentityRow[]> {
    const { rows } = await tx.query<IdentityRow>(
      `select ${columns} from channel_identities where member_id = $1 order by coalesce(last_inbound_at, created_at) desc`,
      [memberId],
    );
    return rows;
  },
  /** A member's clock from their device, unless they (or the creator) already set one. */
  async adoptTimezone(tx: TenantTx, memberId: string, timezone: string): Promise<void> {
    await tx.query('update members set timezone = $2 where id = $1 and timezone is null', [
      memberId,
      timezone,
    ]);
  },
  async createMember(
    tx: TenantTx,
    profile: { name?: string; phone?: string; email?: string; locale?: string },
  ): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      `insert into members (creator_id, name, phone, email, locale, last_seen_at) values ($1, $2, $3, $4, $5, now()) returning id`,
      [
        tx.creatorId,
        profile.name ?? null,
        profile.phone ?? null,
        profile.email?.toLowerCase() ?? null,
        profile.locale ?? null,
      ],
    );
    return rows[0]!.id;
  },
  async memberExists(tx: TenantTx, memberId: string): Promise<boolean> {
    const { rows } = await tx.query('select 1 from members where id = $1', [memberId]);
    return rows.length > 0;
  },
  async insert(
    tx: TenantTx,
    input: { memberId: string; channel: string; externalId: string; displayName?: string; metadata?: object },
  ): Promise<IdentityRow> {
    const { rows } = await tx.query<IdentityRow>(
      `insert into channel_identities (creator_id, member_id, channel, external_id, display_name, metadata)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (creator_id, channel, external_id) do update set display_name = coalesce(excluded.display_name, channel_identities.display_name)
       returning ${columns}`,
      [
        tx.creatorId,
        input.memberId,
        input.channel,
        input.externalId,
        input.displayName ?? null,
        JSON.stringify(input.metadata ?? {}),
      ],
    );
    return rows[0]!;
  },
  /** A message arrived: the member was seen, and (WhatsApp) the 24-hour window restarts. */
  async touchInbound(tx: TenantTx, identityId: string | null, memberId: string, at: Date): Promise<void> {
    if (identityId)
      await tx.query(
        'update channel_identities set last_seen_at = $2, last_inbound_at = greatest(last_inbound_at, $2) where id = $1',
        [identityId, at],
      );
    await tx.query('update members set last_seen_at = greatest(last_seen_at, $2) where id = $1', [
      memberId,
      at,
    ]);
  },
  /** Moves an identity (and its conversations) to another member: the link-code flow. */
  async moveToMember(
    tx: TenantTx,
    identityId: string,
    fromMemberId: string,
    toMemberId: string,
  ): Promise<void> {
    await tx.query('update channel_identities set member_id = $2 where id = $1', [identityId, toMemberId]);
    const { rows } = await tx.query('select 1 from channel_identities where member_id = $1 limit 1', [
      fromMemberId,
    ]);
    if (rows.length > 0) return;
    // The old member had nothing else: its history joins the surviving member, then it goes.
    for (const table of ['conversations', 'messages', 'outbound_deliveries', 'channel_events']) {
      await tx.query(`update ${table} set member_id = $2 where member_id = $1`, [fromMemberId, toMemberId]);
    }
    await tx.query(
      `update members t set tags = (select array(select distinct unnest(t.tags || f.tags))),
         name = coalesce(t.name, f.name), email = coalesce(t.email, f.email), phone = coalesce(t.phone, f.phone)
        from members f where t.id = $2 and f.id = $1`,
      [fromMemberId, toMemberId],
    );
    await tx.query('delete from members where id = $1', [fromMemberId]);
  },
};
