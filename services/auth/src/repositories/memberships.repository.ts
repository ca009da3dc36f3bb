import type { StaffRole } from '@companero/core/auth/roles';
import type { AppTx, TenantTx } from '@companero/db/tenant';

export type MembershipRow = { creatorId: string; accountId: string; role: StaffRole; createdAt: Date };
export type AccountMembershipRow = MembershipRow & { creatorName: string; creatorSlug: string };

const columns = `creator_id as "creatorId", account_id as "accountId", role, created_at as "createdAt"`;

export const membershipsRepository = {
  async insert(tx: TenantTx, input: { accountId: string; role: StaffRole }): Promise<MembershipRow> {
    const { rows } = await tx.query<MembershipRow>(
      `insert into memberships (creator_id, account_id, role) values ($1, $2, $3) returning ${columns}`,
      [tx.creatorId, input.accountId, input.role],
    );
    return rows[0]!;
  },
  async get(tx: TenantTx, accountId: string): Promise<MembershipRow | null> {
    const { rows } = await tx.query<MembershipRow>(
      `select ${columns} from memberships where account_id = $1`,
      [accountId],
    );
    return rows[0] ?? null;
  },
  async list(tx: TenantTx): Promise<MembershipRow[]> {
    const { rows } = await tx.query<MembershipRow>(
      `select ${columns} from memberships order by created_at, account_id`,
    );
    return rows;
  },
  async countOwners(tx: TenantTx): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      `select count(*)::int as count from memberships where role = 'owner'`,
    );
    return rows[0]?.count ?? 0;
  },
  async updateRole(tx: TenantTx, accountId: string, role: StaffRole): Promise<boolean> {
    const { rowCount } = await tx.query('update memberships set role = $2 where account_id = $1', [
      accountId,
      role,
    ]);
    return rowCount > 0;
  },
  async delete(tx: TenantTx, accountId: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from memberships where account_id = $1', [accountId]);
    return rowCount > 0;
  },
  /** The account's memberships in every creator: readable only in the transaction scoped to that account. */
  async listForAccount(tx: AppTx): Promise<AccountMembershipRow[]> {
    const { rows } = await tx.query<AccountMembershipRow>(
      `select m.creator_id as "creatorId", m.account_id as "accountId", m.role, m.created_at as "createdAt",
              c.name as "creatorName", c.slug as "creatorSlug"
         from memberships m join creators c on c.id = m.creator_id
        where m.account_id = nullif(current_setting('app.current_account_id', true), '')::uuid
        order by m.created_at, m.creator_id`,
    );
    return rows;
  },
};
