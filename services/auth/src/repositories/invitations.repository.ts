import type { StaffRole } from '@companero/core/auth/roles';
import type { AppTx, TenantTx } from '@companero/db/tenant';

export type InvitationRow = {
  id: string;
  email: string;
  role: StaffRole;
  invitedBy: string | null;
  expiresAt: Date;
  acceptedAt: Date | null;
  createdAt: Date;
};

const columns = `id, email, role, invited_by as "invitedBy", expires_at as "expiresAt", accepted_at as "acceptedAt",
  created_at as "createdAt"`;

export const invitationsRepository = {
  /** Replaces any pending invitation for the same email (a re-invite sends a fresh token). */
  async upsertPending(
    tx: TenantTx,
    input: { email: string; role: StaffRole; tokenHash: string; invitedBy: string; expiresAt: Date },
  ): Promise<InvitationRow> {
    await tx.query('delete from team_invitations where lower(email) = lower($1) and accepted_at is null', [
      input.email,
    ]);
    const { rows } = await tx.query<InvitationRow>(
      `insert into team_invitations (creator_id, email, role, token_hash, invited_by, expires_at)
       values ($1, $2, $3, $4, $5, $6) returning ${columns}`,
      [tx.creatorId, input.email, input.role, input.tokenHash, input.invitedBy, input.expiresAt],
    );
    return rows[0]!;
  },
  async listPending(tx: TenantTx): Promise<InvitationRow[]> {
    const { rows } = await tx.query<InvitationRow>(
      `select ${columns} from team_invitations where accepted_at is null and expires_at > now() order by created_at`,
    );
    return rows;
  },
  async getPendingByHashForUpdate(tx: TenantTx, tokenHash: string): Promise<InvitationRow | null> {
    const { rows } = await tx.query<InvitationRow>(
      `select ${columns} from team_invitations where token_hash = $1 and accepted_at is null for update`,
      [tokenHash],
    );
    return rows[0] ?? null;
  },
  async markAccepted(tx: TenantTx, id: string): Promise<void> {
    await tx.query('update team_invitations set accepted_at = now() where id = $1', [id]);
  },
  async listSentBy(tx: TenantTx, accountId: string): Promise<InvitationRow[]> {
    const { rows } = await tx.query<InvitationRow>(
      `select ${columns} from team_invitations where invited_by = $1 order by created_at`,
      [accountId],
    );
    return rows;
  },
  async deleteForEmail(tx: AppTx | TenantTx, email: string): Promise<void> {
    await tx.query('delete from team_invitations where lower(email) = lower($1)', [email]);
  },
};
