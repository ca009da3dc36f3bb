import type { TAccountExport } from '@companero/contracts/auth/account-data';
import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError } from '@companero/core/errors/app-error';
import { type TenantDatabase, withAppRole, withTenant } from '@companero/db/tenant';
import { accountsRepository } from '../repositories/accounts.repository';
import { auditLogRepository } from '../repositories/audit-log.repository';
import { creatorsRepository } from '../repositories/creators.repository';
import { invitationsRepository } from '../repositories/invitations.repository';
import { membershipsRepository } from '../repositories/memberships.repository';
import { refreshTokensRepository } from '../repositories/refresh-tokens.repository';
import type { AuditService } from './audit.service';
import type { PasswordService } from './password.service';

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

/** GDPR for team accounts: a copy of everything stored about the account, and erasure of it. */
export const createAccountDataService = (deps: {
  db: TenantDatabase;
  audit: AuditService;
  passwords: PasswordService;
}) => {
  const listMemberships = (accountId: string) =>
    withAppRole(deps.db, (tx) => membershipsRepository.listForAccount(tx), { accountId });

  return {
    async export(ctx: StaffContext): Promise<TAccountExport> {
      const account = await withAppRole(deps.db, (tx) => accountsRepository.getById(tx, ctx.actor.id));
      if (!account) throw new AppError('INVALID_TOKEN', { message: 'This account no longer exists.' });
      const memberships = await listMemberships(account.id);
      const perCreator = await Promise.all(
        memberships.map((membership) =>
          withTenant(deps.db, membership.creatorId, async (tx) => ({
            creatorId: membership.creatorId,
            sessions: await refreshTokensRepository.listForAccount(tx, account.id),
            audit: await auditLogRepository.listByActor(tx, account.id),
            invitations: await invitationsRepository.listSentBy(tx, account.id),
          })),
        ),
      );
      await withTenant(deps.db, ctx.creatorId, (tx) =>
        deps.audit.record(tx, ctx, {
          action: 'account.exported',
          targetType: 'account',
          targetId: account.id,
        }),
      );
      return {
        exportedAt: new Date().toISOString(),
        account: {
          id: account.id,
          email: account.email,
          name: account.name,
          createdAt: iso(account.createdAt)!,
          lastLoginAt: iso(account.lastLoginAt),
        },
        memberships: memberships.map((row) => ({
          creatorId: row.creatorId,
          creatorName: row.creatorName,
          role: row.role,
          since: iso(row.createdAt)!,
        })),
        sessions: perCreator.flatMap(({ creatorId, sessions }) =>
          sessions.map((session) => ({
            creatorId,
            createdAt: iso(session.createdAt)!,
            expiresAt: iso(session.expiresAt)!,
            usedAt: iso(session.usedAt),
            revokedAt: iso(session.revokedAt),
            ip: session.ip,
            userAgent: session.userAgent,
          })),
        ),
        auditLog: perCreator.flatMap(({ creatorId, audit }) =>
          audit.map((entry) => ({
            creatorId,
            action: entry.action,
            targetType: entry.targetType,
            targetId: entry.targetId,
            ip: entry.ip,
            userAgent: entry.userAgent,
            createdAt: iso(entry.createdAt)!,
          })),
        ),
        invitationsSent: perCreator.flatMap(({ creatorId, invitations }) =>
          invitations.map((invitation) => ({
            creatorId,
            email: invitation.email,
            role: invitation.role,
            createdAt: iso(invitation.createdAt)!,
          })),
        ),
      };
    },

    /**
     * Erases the account: its row, sessions and memberships go; audit entries it made stay for the team but
     * lose the link to the person (actor, IP, user agent). A creator whose only teammate this was is deleted
     * with all its data; a creator with other teammates but no other owner blocks the erasure (409), so a team
     * is never left without an owner.
     */
    async erase(ctx: StaffContext, password: string) {
      const account = await withAppRole(deps.db, (tx) => accountsRepository.getById(tx, ctx.actor.id));
      if (!account) throw new AppError('INVALID_TOKEN', { message: 'This account no longer exists.' });
      if (!(await deps.passwords.verify(account.passwordHash, password))) {
        throw new AppError('INVALID_CREDENTIALS', { message: 'The password is wrong.' });
      }
      const memberships = await listMemberships(account.id);
      const plans = await Promise.all(
        memberships.map((membership) =>
          withTenant(deps.db, membership.creatorId, async (tx) => {
            const team = await membershipsRepository.list(tx);
            const others = team.filter((row) => row.accountId !== account.id);
            const isOnlyOwner = membership.role === 'owner' && !others.some((row) => row.role === 'owner');
            return {
              creatorId: membership.creatorId,
              creatorName: membership.creatorName,
              deleteCreator: others.length === 0,
              blocks: isOnlyOwner && others.length > 0,
            };
          }),
        ),
      );
      const blocking = plans.filter((plan) => plan.blocks);
      if (blocking.length > 0) {
        throw new AppError('LAST_OWNER', {
          message: `You are the only owner of ${blocking.map((plan) => plan.creatorName).join(', ')}. Make a teammate owner or remove them first.`,
        });
      }
      for (const plan of plans) {
        await withTenant(deps.db, plan.creatorId, async (tx) => {
          if (plan.deleteCreator) {
            await creatorsRepository.deleteCurrent(tx);
            return;
          }
          await refreshTokensRepository.deleteForAccount(tx, account.id);
          await auditLogRepository.anonymiseActor(tx, account.id);
          await invitationsRepository.deleteForEmail(tx, account.email);
          await membershipsRepository.delete(tx, account.id);
          await deps.audit.record(
            tx,
            {
              ...ctx,
              creatorId: plan.creatorId,
              actor: { type: 'anonymous' },
              ip: undefined,
              userAgent: undefined,
            },
            { action: 'account.erased', targetType: 'account' },
          );
        });
      }
      await withAppRole(deps.db, (tx) => accountsRepository.delete(tx, account.id));
      return {
        status: 'erased' as const,
        deletedCreators: plans.filter((plan) => plan.deleteCreator).map((plan) => plan.creatorId),
      };
    },
  };
};

export type AccountDataService = ReturnType<typeof createAccountDataService>;
