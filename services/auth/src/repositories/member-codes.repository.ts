import type { TenantTx } from '@companero/db/tenant';

export type MemberCodeRow = { id: string; codeHash: string; attempts: number; expiresAt: Date };

export const memberCodesRepository = {
  /** A new code replaces the unused ones for that email: only the latest code works. */
  async replace(tx: TenantTx, input: { email: string; codeHash: string; expiresAt: Date }): Promise<void> {
    await tx.query('delete from member_login_codes where lower(email) = lower($1) and consumed_at is null', [
      input.email,
    ]);
    await tx.query(
      'insert into member_login_codes (creator_id, email, code_hash, expires_at) values ($1, $2, $3, $4)',
      [tx.creatorId, input.email, input.codeHash, input.expiresAt],
    );
  },
  async getLatestActiveForUpdate(tx: TenantTx, email: string): Promise<MemberCodeRow | null> {
    const { rows } = await tx.query<MemberCodeRow>(
      `select id, code_hash as "codeHash", attempts, expires_at as "expiresAt"
         from member_login_codes
        where lower(email) = lower($1) and consumed_at is null and expires_at > now()
        order by created_at desc limit 1 for update`,
      [email],
    );
    return rows[0] ?? null;
  },
  async recordFailedAttempt(tx: TenantTx, id: string): Promise<void> {
    await tx.query('update member_login_codes set attempts = attempts + 1 where id = $1', [id]);
  },
  async consume(tx: TenantTx, id: string): Promise<void> {
    await tx.query('update member_login_codes set consumed_at = now() where id = $1', [id]);
  },
};
