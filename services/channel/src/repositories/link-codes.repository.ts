import type { TenantTx } from '@companero/db/tenant';

/** One-time codes that join a member's identities on two channels. Stored as a keyed MAC. */
export const linkCodesRepository = {
  async insert(tx: TenantTx, memberId: string, codeHash: string, expiresAt: Date): Promise<void> {
    await tx.query('delete from channel_link_codes where member_id = $1 and used_at is null', [memberId]);
    await tx.query(
      `insert into channel_link_codes (creator_id, member_id, code_hash, expires_at) values ($1, $2, $3, $4)
       on conflict (creator_id, code_hash) do update set member_id = excluded.member_id, expires_at = excluded.expires_at, used_at = null`,
      [tx.creatorId, memberId, codeHash, expiresAt],
    );
  },
  /** Uses the code once: the member it names, or null when unknown, used or expired. */
  async consume(tx: TenantTx, codeHash: string): Promise<string | null> {
    const { rows } = await tx.query<{ memberId: string }>(
      `update channel_link_codes set used_at = now() where code_hash = $1 and used_at is null and expires_at > now()
       returning member_id as "memberId"`,
      [codeHash],
    );
    return rows[0]?.memberId ?? null;
  },
};
