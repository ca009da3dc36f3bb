import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { StaffRole } from '@companero/core/auth/roles';
import { AppError } from '@companero/core/errors/app-error';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { membersRepository } from '../repositories/members.repository';
import { membershipsRepository } from '../repositories/memberships.repository';
import { refreshTokensRepository } from '../repositories/refresh-tokens.repository';
import type { AuditService, RequestMeta } from './audit.service';
import type { SigningKeyService } from './signing-keys.service';

export type SessionSubject =
  | { type: 'account'; id: string; role: StaffRole }
  | { type: 'member'; id: string };

export type TokenPair = { accessToken: string; refreshToken: string; expiresIn: number; tokenType: 'Bearer' };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const hashRefreshToken = (token: string): string =>
  createHash('sha256').update(token).digest('base64url');

/**
 * Refresh tokens are opaque: `<creatorId>.<256 random bits>`. The creator prefix lets a refresh find its row
 * under that tenant's row level security; only the SHA-256 of the whole token is stored (it has full entropy,
 * so a slow hash adds nothing).
 */
const parseRefreshToken = (token: string): { creatorId: string } => {
  const [creatorId, secret] = token.split('.');
  if (!creatorId || !secret || !uuidPattern.test(creatorId) || secret.length < 40) {
    throw new AppError('INVALID_TOKEN', { message: 'The refresh token is not valid.' });
  }
  return { creatorId };
};

export type SessionServiceDeps = {
  db: TenantDatabase;
  keys: SigningKeyService;
  audit: AuditService;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
};

export const createSessionService = (deps: SessionServiceDeps) => {
  const issue = async (
    tx: TenantTx,
    subject: SessionSubject,
    meta: RequestMeta,
    familyId: string = randomUUID(),
  ): Promise<TokenPair> => {
    const refreshToken = `${tx.creatorId}.${randomBytes(32).toString('base64url')}`;
    await refreshTokensRepository.insert(tx, {
      familyId,
      tokenHash: hashRefreshToken(refreshToken),
      subject,
      expiresAt: new Date(Date.now() + deps.refreshTokenTtlSeconds * 1000),
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    const claims =
      subject.type === 'account'
        ? ({ typ: 'staff', sub: subject.id, cid: tx.creatorId, role: subject.role } as const)
        : ({ typ: 'member', sub: subject.id, cid: tx.creatorId, role: 'member' } as const);
    return {
      accessToken: await deps.keys.signAccessToken(claims, randomUUID()),
      refreshToken,
      expiresIn: deps.accessTokenTtlSeconds,
      tokenType: 'Bearer',
    };
  };

  return {
    issue,

    /**
     * Rotates a refresh token. A token works once: presenting a used one means it was copied, so the whole
     * family (every token descended from that sign-in) is revoked and the caller gets 401.
     */
    async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
      const { creatorId } = parseRefreshToken(refreshToken);
      const outcome = await withTenant(deps.db, creatorId, async (tx) => {
        const row = await refreshTokensRepository.getByHashForUpdate(tx, hashRefreshToken(refreshToken));
        if (!row) return { kind: 'invalid' as const };
        if (row.usedAt) {
          await refreshTokensRepository.revokeFamily(tx, row.familyId);
          await deps.audit.record(
            tx,
            {
              creatorId,
              requestId: meta.requestId,
              ip: meta.ip,
              userAgent: meta.userAgent,
              actor: { type: 'anonymous' },
            },
            {
              action: 'auth.refresh_token_reused',
              targetType: row.subjectType,
              targetId: (row.accountId ?? row.memberId)!,
              metadata: { familyId: row.familyId },
            },
          );
          return { kind: 'reused' as const };
        }
        if (row.revokedAt || row.expiresAt.getTime() <= Date.now()) return { kind: 'invalid' as const };
        await refreshTokensRepository.markUsed(tx, row.id);
        // The role is read again: a role change or removal takes effect at the next refresh.
        if (row.subjectType === 'account') {
          const membership = await membershipsRepository.get(tx, row.accountId!);
          if (!membership) {
            await refreshTokensRepository.revokeFamily(tx, row.familyId);
            return { kind: 'invalid' as const };
          }
          return {
            kind: 'ok' as const,
            tokens: await issue(
              tx,
              { type: 'account', id: row.accountId!, role: membership.role },
              meta,
              row.familyId,
            ),
          };
        }
        const member = await membersRepository.getById(tx, row.memberId!);
        if (!member) return { kind: 'invalid' as const };
        return {
          kind: 'ok' as const,
          tokens: await issue(tx, { type: 'member', id: member.id }, meta, row.familyId),
        };
      });
      if (outcome.kind === 'reused') {
        throw new AppError('REFRESH_TOKEN_REUSED', {
          message:
            'This refresh token was already used. Every session descended from it has been signed out.',
        });
      }
      if (outcome.kind === 'invalid') {
        throw new AppError('INVALID_TOKEN', { message: 'The refresh token is not valid or has expired.' });
      }
      return outcome.tokens;
    },

    /** Signs out the session the refresh token belongs to (its whole family). Unknown tokens are a no-op. */
    async logout(
      refreshToken: string,
      ctx: { creatorId: string; accountOrMemberId: string } & RequestMeta,
    ): Promise<void> {
      const { creatorId } = parseRefreshToken(refreshToken);
      if (creatorId !== ctx.creatorId) return;
      await withTenant(deps.db, creatorId, async (tx) => {
        const row = await refreshTokensRepository.getByHashForUpdate(tx, hashRefreshToken(refreshToken));
        if (!row || (row.accountId ?? row.memberId) !== ctx.accountOrMemberId) return;
        await refreshTokensRepository.revokeFamily(tx, row.familyId);
      });
    },
  };
};

export type SessionService = ReturnType<typeof createSessionService>;
