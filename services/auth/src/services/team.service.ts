import { createHash, randomBytes } from 'node:crypto';
import type { RequestContext, StaffContext } from '@companero/core/auth/request-context';
import { hasRoleAtLeast, type StaffRole } from '@companero/core/auth/roles';
import { AppError, forbidden, notFound } from '@companero/core/errors/app-error';
import { type TenantDatabase, withAppRole, withTenant } from '@companero/db/tenant';
import { accountsRepository } from '../repositories/accounts.repository';
import { creatorsRepository } from '../repositories/creators.repository';
import { type InvitationRow, invitationsRepository } from '../repositories/invitations.repository';
import { type MembershipRow, membershipsRepository } from '../repositories/memberships.repository';
import { refreshTokensRepository } from '../repositories/refresh-tokens.repository';
import type { AuditService, RequestMeta } from './audit.service';
import type { Mailer } from './mailer.service';
import type { PasswordService } from './password.service';
import type { SessionService } from './session.service';

export type TeamServiceDeps = {
  db: TenantDatabase;
  audit: AuditService;
  sessions: SessionService;
  passwords: PasswordService;
  mailer: Mailer;
  publicUrl: string;
  invitationTtlSeconds?: number;
};

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

const toInvitationView = (row: InvitationRow) => ({
  id: row.id,
  email: row.email,
  role: row.role,
  expiresAt: new Date(row.expiresAt).toISOString(),
  createdAt: new Date(row.createdAt).toISOString(),
});

const assertMayManage = (ctx: StaffContext, target: MembershipRow | null, newRole?: StaffRole) => {
  // Only an owner hands out or takes away ownership.
  const touchesOwnership = target?.role === 'owner' || newRole === 'owner';
  if (touchesOwnership && ctx.actor.role !== 'owner')
    throw forbidden('Only an owner can grant, change or remove the owner role.');
  if (!hasRoleAtLeast(ctx.actor.role, 'admin'))
    throw forbidden('Managing the team needs the admin role or higher.');
};

export const createTeamService = (deps: TeamServiceDeps) => {
  const invitationTtlSeconds = deps.invitationTtlSeconds ?? 7 * 24 * 3600;

  const teammateView = async (rows: MembershipRow[]) => {
    const accounts = await withAppRole(deps.db, (tx) =>
      accountsRepository.listByIds(
        tx,
        rows.map((row) => row.accountId),
      ),
    );
    const byId = new Map(accounts.map((account) => [account.id, account]));
    return rows.flatMap((row) => {
      const account = byId.get(row.accountId);
      return account
        ? [
            {
              accountId: row.accountId,
              email: account.email,
              name: account.name,
              role: row.role,
              joinedAt: new Date(row.createdAt).toISOString(),
            },
          ]
        : [];
    });
  };

  /** Refuses a change that would leave the creator with no owner. */
  const assertKeepsAnOwner = async (
    tx: Parameters<typeof membershipsRepository.countOwners>[0],
    target: MembershipRow,
    newRole: StaffRole | null,
  ) => {
    if (
      target.role === 'owner' &&
      newRole !== 'owner' &&
      (await membershipsRepository.countOwners(tx)) <= 1
    ) {
      throw new AppError('LAST_OWNER', { message: 'This is the only owner. Make someone else owner first.' });
    }
  };

  return {
    async list(ctx: StaffContext) {
      const { rows, invitations } = await withTenant(deps.db, ctx.creatorId, async (tx) => ({
        rows: await membershipsRepository.list(tx),
        invitations: await invitationsRepository.listPending(tx),
      }));
      return { items: await teammateView(rows), invitations: invitations.map(toInvitationView) };
    },

    /** Adds an existing account at once; anyone else gets an emailed invitation to accept. */
    async invite(ctx: StaffContext, input: { email: string; role: StaffRole }) {
      assertMayManage(ctx, null, input.role);
      const account = await withAppRole(deps.db, (tx) => accountsRepository.getByEmail(tx, input.email));
      if (account) {
        const row = await withTenant(deps.db, ctx.creatorId, async (tx) => {
          if (await membershipsRepository.get(tx, account.id)) {
            throw new AppError('CONFLICT', { message: `${input.email} is already on the team.` });
          }
          const inserted = await membershipsRepository.insert(tx, {
            accountId: account.id,
            role: input.role,
          });
          await deps.audit.record(tx, ctx, {
            action: 'team.member_added',
            targetType: 'account',
            targetId: account.id,
            metadata: { role: input.role },
          });
          return inserted;
        });
        const [teammate] = await teammateView([row]);
        return { status: 'added' as const, teammate: teammate ?? null, invitation: null };
      }
      const token = `${ctx.creatorId}.${randomBytes(32).toString('base64url')}`;
      const { invitation, creatorName } = await withTenant(deps.db, ctx.creatorId, async (tx) => {
        const created = await invitationsRepository.upsertPending(tx, {
          email: input.email,
          role: input.role,
          tokenHash: hashToken(token),
          invitedBy: ctx.actor.id,
          expiresAt: new Date(Date.now() + invitationTtlSeconds * 1000),
        });
        await deps.audit.record(tx, ctx, {
          action: 'team.invited',
          targetType: 'invitation',
          targetId: created.id,
          metadata: { role: input.role },
        });
        return {
          invitation: created,
          creatorName: (await creatorsRepository.getCurrent(tx))?.name ?? 'a creator',
        };
      });
      await deps.mailer.send(
        {
          to: input.email,
          subject: `You are invited to join ${creatorName} on Compañero`,
          text: [
            `You have been invited to join ${creatorName} on Compañero as ${input.role}.`,
            `Accept the invitation: ${deps.publicUrl}/accept-invitation?token=${encodeURIComponent(token)}`,
            `(API: POST ${deps.publicUrl}/api/auth/invitations/accept with {"token": "${token}", "name": "…", "password": "…"})`,
            'The invitation expires in 7 days.',
          ].join('\n'),
        },
        { devNote: 'The invitation token is in the body above.' },
      );
      return { status: 'invited' as const, teammate: null, invitation: toInvitationView(invitation) };
    },

    async changeRole(ctx: StaffContext, accountId: string, role: StaffRole) {
      const row = await withTenant(deps.db, ctx.creatorId, async (tx) => {
        const target = await membershipsRepository.get(tx, accountId);
        if (!target) throw notFound('teammate');
        assertMayManage(ctx, target, role);
        await assertKeepsAnOwner(tx, target, role);
        await membershipsRepository.updateRole(tx, accountId, role);
        await deps.audit.record(tx, ctx, {
          action: 'team.role_changed',
          targetType: 'account',
          targetId: accountId,
          metadata: { from: target.role, to: role },
        });
        return { ...target, role };
      });
      const [teammate] = await teammateView([row]);
      return teammate!;
    },

    /** Removes a teammate (admins), or lets anyone leave the team themselves. Their sessions here end. */
    async remove(ctx: StaffContext, accountId: string) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        const target = await membershipsRepository.get(tx, accountId);
        if (!target) throw notFound('teammate');
        if (accountId !== ctx.actor.id) assertMayManage(ctx, target);
        await assertKeepsAnOwner(tx, target, null);
        await refreshTokensRepository.revokeForAccount(tx, accountId);
        await membershipsRepository.delete(tx, accountId);
        await deps.audit.record(tx, ctx, {
          action: 'team.member_removed',
          targetType: 'account',
          targetId: accountId,
          metadata: { role: target.role },
        });
      });
    },

    /**
     * Accepting an invitation creates the account (name and password) or, for an account that exists,
     * requires its password: the emailed token alone never signs anyone in to an existing account.
     */
    async acceptInvitation(input: { token: string; name?: string; password?: string }, meta: RequestMeta) {
      const [creatorId] = input.token.split('.');
      if (!creatorId || !uuidPattern.test(creatorId))
        throw new AppError('INVALID_TOKEN', { message: 'The invitation is not valid.' });
      const invitation = await withTenant(deps.db, creatorId, (tx) =>
        invitationsRepository.getPendingByHashForUpdate(tx, hashToken(input.token)),
      );
      if (!invitation || new Date(invitation.expiresAt).getTime() <= Date.now()) {
        throw new AppError('INVALID_TOKEN', {
          message: 'The invitation is not valid, was already used, or has expired.',
        });
      }
      if (!input.password) {
        throw new AppError('VALIDATION_FAILED', {
          message: 'A password is required.',
          errors: [{ path: 'body.password', message: 'Required' }],
        });
      }
      const existing = await withAppRole(deps.db, (tx) =>
        accountsRepository.getByEmail(tx, invitation.email),
      );
      let passwordHash: string | null = null;
      if (existing) {
        if (!(await deps.passwords.verify(existing.passwordHash, input.password))) {
          throw new AppError('INVALID_CREDENTIALS', {
            message: 'The password is wrong for the invited account.',
          });
        }
      } else {
        if (!input.name) {
          throw new AppError('VALIDATION_FAILED', {
            message: 'A name is required to create the account.',
            errors: [{ path: 'body.name', message: 'Required' }],
          });
        }
        const assessment = deps.passwords.assess(input.password, [invitation.email, input.name]);
        if (!assessment.isStrongEnough) {
          throw new AppError('WEAK_PASSWORD', {
            message: 'Choose a stronger password.',
            errors: assessment.reasons.map((message) => ({ path: 'body.password', message })),
          });
        }
        passwordHash = await deps.passwords.hash(input.password);
      }
      return withTenant(deps.db, creatorId, async (tx) => {
        const locked = await invitationsRepository.getPendingByHashForUpdate(tx, hashToken(input.token));
        if (!locked) throw new AppError('INVALID_TOKEN', { message: 'The invitation was already used.' });
        const account =
          existing ??
          (await accountsRepository.insert(tx, {
            email: invitation.email,
            name: input.name!,
            passwordHash: passwordHash!,
          }));
        const membership =
          (await membershipsRepository.get(tx, account.id)) ??
          (await membershipsRepository.insert(tx, { accountId: account.id, role: invitation.role }));
        await invitationsRepository.markAccepted(tx, invitation.id);
        const ctx: RequestContext = {
          ...meta,
          creatorId,
          actor: { type: 'account', id: account.id, role: membership.role },
        };
        await deps.audit.record(tx, ctx, {
          action: 'team.invitation_accepted',
          targetType: 'invitation',
          targetId: invitation.id,
        });
        const tokens = await deps.sessions.issue(
          tx,
          { type: 'account', id: account.id, role: membership.role },
          meta,
        );
        return { ...tokens, creatorId, role: membership.role };
      });
    },
  };
};

export type TeamService = ReturnType<typeof createTeamService>;
