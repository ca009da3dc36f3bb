import { randomInt, timingSafeEqual } from 'node:crypto';
import type { MemberContext } from '@companero/core/auth/request-context';
import type { SecretBox } from '@companero/core/crypto/secret-box';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { recordAnalyticsEvent } from '@companero/db/analytics-events';
import { type TenantDatabase, withAppRole, withTenant } from '@companero/db/tenant';
import { creatorsRepository } from '../repositories/creators.repository';
import { memberCodesRepository } from '../repositories/member-codes.repository';
import { membersRepository } from '../repositories/members.repository';
import type { AuditService, RequestMeta } from './audit.service';
import type { Mailer } from './mailer.service';
import type { SessionService } from './session.service';

export type MemberAuthServiceDeps = {
  db: TenantDatabase;
  secretBox: SecretBox;
  mailer: Mailer;
  sessions: SessionService;
  audit: AuditService;
  codeTtlSeconds: number;
  maxAttempts?: number;
};

/**
 * Passwordless sign-in for members (the Compañero app): a six-digit code by email, valid for a few minutes
 * and a few tries. Codes are stored as a keyed MAC, so a database dump alone cannot replay them.
 */
export const createMemberAuthService = (deps: MemberAuthServiceDeps) => {
  const maxAttempts = deps.maxAttempts ?? 5;
  const codeMac = (creatorId: string, email: string, code: string) =>
    deps.secretBox.mac(`${creatorId}:${email.toLowerCase()}:${code}`);

  const findCreator = async (slug: string) => {
    const creator = await withAppRole(deps.db, (tx) => creatorsRepository.getBySlug(tx, slug), {
      creatorSlug: slug,
    });
    if (!creator) throw notFound('creator');
    return creator;
  };

  return {
    async requestCode(input: { creatorSlug: string; email: string }, meta: RequestMeta) {
      const creator = await findCreator(input.creatorSlug);
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await withTenant(deps.db, creator.id, async (tx) => {
        await memberCodesRepository.replace(tx, {
          email: input.email,
          codeHash: codeMac(creator.id, input.email, code),
          expiresAt: new Date(Date.now() + deps.codeTtlSeconds * 1000),
        });
        await deps.audit.record(
          tx,
          { ...meta, creatorId: creator.id, actor: { type: 'anonymous' } },
          { action: 'member.code_requested' },
        );
      });
      const minutes = Math.round(deps.codeTtlSeconds / 60);
      await deps.mailer.send(
        {
          to: input.email,
          subject: `Your ${creator.name} sign-in code: ${code}`,
          text: `Your Compañero sign-in code for ${creator.name} is ${code}.\nIt expires in ${minutes} minutes. If you did not ask for it, ignore this email.`,
        },
        { devNote: 'The one-time code is in the subject and the body above.' },
      );
      return { status: 'sent' as const, expiresIn: deps.codeTtlSeconds };
    },

    async verify(input: { creatorSlug: string; email: string; code: string }, meta: RequestMeta) {
      const creator = await findCreator(input.creatorSlug);
      const outcome = await withTenant(deps.db, creator.id, async (tx) => {
        const row = await memberCodesRepository.getLatestActiveForUpdate(tx, input.email);
        if (!row || row.attempts >= maxAttempts) return { kind: 'invalid' as const };
        const expected = Buffer.from(row.codeHash);
        const actual = Buffer.from(codeMac(creator.id, input.email, input.code));
        if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
          await memberCodesRepository.recordFailedAttempt(tx, row.id);
          return { kind: 'invalid' as const };
        }
        await memberCodesRepository.consume(tx, row.id);
        const { member, isNew } = await membersRepository.findOrCreateByEmail(tx, input.email);
        await membersRepository.touchLastSeen(tx, member.id);
        if (isNew)
          await recordAnalyticsEvent(tx, { type: 'member.joined', memberId: member.id, channel: 'app' });
        const ctx = { ...meta, creatorId: creator.id, actor: { type: 'member' as const, id: member.id } };
        await deps.audit.record(tx, ctx, {
          action: 'member.signed_in',
          targetType: 'member',
          targetId: member.id,
          metadata: { isNew },
        });
        const tokens = await deps.sessions.issue(tx, { type: 'member', id: member.id }, meta);
        return {
          kind: 'ok' as const,
          result: {
            ...tokens,
            member: { id: member.id, email: member.email, name: member.name, creatorId: creator.id },
          },
        };
      });
      if (outcome.kind === 'invalid') {
        throw new AppError('INVALID_CODE', {
          message: 'The code is wrong or has expired. Ask for a new one.',
        });
      }
      return outcome.result;
    },

    async logout(ctx: MemberContext, refreshToken: string) {
      await deps.sessions.logout(refreshToken, { ...ctx, accountOrMemberId: ctx.actor.id });
    },
  };
};

export type MemberAuthService = ReturnType<typeof createMemberAuthService>;
