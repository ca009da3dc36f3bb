import type { TenantTx } from '@companero/db/tenant';

export type MemberIdentityRow = { id: string; email: string | null; name: string | null; createdAt: Date };

const columns = `id, email, name, created_at as "createdAt"`;

/** The slice of the members table the auth service needs: find or create a member by email at sign-in. */
export const membersRepository = {
  async getById(tx: TenantTx, id: string): Promise<MemberIdentityRow | null> {
    const { rows } = await tx.query<MemberIdentityRow>(`select ${columns} from members where id = $1`, [id]);
    return rows[0] ?? null;
  },
  async findOrCreateByEmail(
    tx: TenantTx,
    email: string,
  ): Promise<{ member: MemberIdentityRow; isNew: boolean }> {
    const inserted = await tx.query<MemberIdentityRow>(
      `insert into members (creator_id, email) values ($1, $2)
       on conflict (creator_id, lower(email)) where email is not null do nothing
       returning ${columns}`,
      [tx.creatorId, email],
    );
    if (inserted.rows[0]) return { member: inserted.rows[0], isNew: true };
    const { rows } = await tx.query<MemberIdentityRow>(
      `select ${columns} from members where lower(email) = lower($1)`,
      [email],
    );
    return { member: rows[0]!, isNew: false };
  },
  async touchLastSeen(tx: TenantTx, id: string): Promise<void> {
    await tx.query('update members set last_seen_at = now() where id = $1', [id]);
  },
};
