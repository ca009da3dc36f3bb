import type { TenantTx } from '@companero/db/tenant';

export type RefreshTokenRow = {
  id: string;
  familyId: string;
  subjectType: 'account' | 'member';
  accountId: string | null;
  memberId: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
};

const columns = `id, family_id as "familyId", subject_type as "subjectType", account_id as "accountId",
  member_id as "memberId", expires_at as "expiresAt", used_at as "usedAt", revoked_at as "revokedAt",
  ip, user_agent as "userAgent", created_at as "createdAt"`;

export const refreshTokensRepository = {
  async insert(
    tx: TenantTx,
    input: {
      familyId: string;
      tokenHash: string;
      subject: { type: 'account' | 'member'; id: string };
      expiresAt: Date;
      ip?: string;
      userAgent?: string;
    },
  ): Promise<void> {
    await tx.query(
      `insert into refresh_tokens (creator_id, family_id, token_hash, subject_type, account_id, member_id, expires_at, ip, user_agent)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        tx.creatorId,
        input.familyId,
        input.tokenHash,
        input.subject.type,
        input.subject.type === 'account' ? input.subject.id : null,
        input.subject.type === 'member' ? input.subject.id : null,
        input.expiresAt,
        input.ip ?? null,
        input.userAgent?.slice(0, 512) ?? null,
      ],
    );
  },
  /** Locks the row so two concurrent refreshes with one token cannot both succeed. */
  async getByHashForUpdate(tx: TenantTx, tokenHash: string): Promise<RefreshTokenRow | null> {
    const { rows } = await tx.query<RefreshTokenRow>(
      `select ${columns} from refresh_tokens where token_hash = $1 for update`,
      [tokenHash],
    );
    return rows[0] ?? null;
  },
  async markUsed(tx: TenantTx, id: string): Promise<void> {
    await tx.query('update refresh_tokens set used_at = now() where id = $1', [id]);
  },
  async revokeFamily(tx: TenantTx, familyId: string): Promise<number> {
    const { rowCount } = await tx.query(
      'update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null',
      [familyId],
    );
    return rowCount;
  },
  async revokeForAccount(tx: TenantTx, accountId: string): Promise<number> {
    const { rowCount } = await tx.query(
      'update refresh_tokens set revoked_at = now() where account_id = $1 and revoked_at is null',
      [accountId],
    );
    return rowCount;
  },
  async listForAccount(tx: TenantTx, accountId: string): Promise<RefreshTokenRow[]> {
    const { rows } = await tx.query<RefreshTokenRow>(
      `select ${columns} from refresh_tokens where account_id = $1 order by created_at`,
      [accountId],
    );
    return rows;
  },
  async deleteForAccount(tx: TenantTx, accountId: string): Promise<void> {
    await tx.query('delete from refresh_tokens where account_id = $1', [accountId]);
  },
};
