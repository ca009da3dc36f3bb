import { createHash, randomUUID } from 'node:crypto';
import type { TRegisterRequest } from '@companero/contracts/auth/register';
import type { StaffContext } from '@companero/core/auth/request-context';
import type { RateLimiter } from '@companero/core/cache/cache.types';
import { globalKey } from '@companero/core/cache/tenant-key';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { type TenantDatabase, withAppRole, withTenant } from '@companero/db/tenant';
import { type AccountRow, accountsRepository } from '../repositories/accounts.repository';
import { creatorsRepository } from '../repositories/creators.repository';
import { type AccountMembershipRow, membershipsRepository } from '../repositories/memberships.repository';
import type { AuditService, RequestMeta } from './audit.service';
import type { PasswordService } from './password.service';
import type { SessionService } from './session.service';

export type AccountServiceDeps = {
  db: TenantDatabase;
  passwords: PasswordService;
  sessions: SessionService;
  audit: AuditService;
  rateLimiter: RateLimiter;
  loginAttemptsPerAccount: number;
  /** Housekeeping after a sign-in (schedules the creator's prune job); its failure never fails the sign-in. */
  afterSignIn?: (creatorId: string) => Promise<unknown>;
};

const loginWindowMs = 15 * 60 * 1000;

export const toAccountView = (account: AccountRow) => ({
  id: account.id,
  email: account.email,
  name: account.name,
  createdAt: new Date(account.createdAt).toISOString(),
});

export const toMembershipView = (row: AccountMembershipRow) => ({
  creatorId: row.creatorId,
  creatorName: row.creatorName,
  creatorSlug: row.creatorSlug,
  role: row.role,
});

/** Lower-case ASCII slug from a display name: "Coach Ana Núñez" → "coach-ana-nunez". */
export const slugify = (name: string): string =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '') || 'coach';

const isUniqueViolation = (error: unknown, constraint: string) =>
  (error as { code?: string }).code === '23505' &&
  String(
    (error as { constraint?: string; message?: string }).constraint ?? (error as Error).message,
  ).includes(constraint);

const loginThrottleKey = (email: string) =>
  globalKey('login_account', createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 32));

export const createAccountService = (deps: AccountServiceDeps) => {
  const memberships = (accountId: string) =>
    withAppRole(deps.db, (tx) => membershipsRepository.listForAccount(tx), { accountId });

  const isSlugTaken = (slug: string) =>
    withAppRole(deps.db, async (tx) => (await creatorsRepository.getBySlug(tx, slug)) !== null, {
      creatorSlug: slug,
    });

  const chooseSlug = async (input: TRegisterRequest): Promise<string> => {
    if (input.creatorSlug) {
      if (await isSlugTaken(input.creatorSlug)) {
        throw new AppError('CONFLICT', {
          message: `The creator handle "${input.creatorSlug}" is taken. Choose another.`,
        });
      }
      return input.creatorSlug;
    }
    const base = slugify(input.creatorName);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const candidate =
        attempt === 0 ? base : `${base}-${randomUUID().slice(0, 4 + Math.floor(attempt / 5))}`;
      if (!(await isSlugTaken(candidate))) return candidate;
    }
    throw new AppError('CONFLICT', { message: 'Could not find a free creator handle; pass creatorSlug.' });
  };

  return {
    /** A new account that owns a new creator, signed in to it. */
    async register(input: TRegisterRequest, meta: RequestMeta) {
      const assessment = deps.passwords.assess(input.password, [input.email, input.name, input.creatorName]);
      if (!assessment.isStrongEnough) {
        throw new AppError('WEAK_PASSWORD', {
          message: 'Choose a stronger password.',
          errors: assessment.reasons.map((message) => ({ path: 'body.password', message })),
        });
      }
      const slug = await chooseSlug(input);
      const passwordHash = await deps.passwords.hash(input.password);
      const creatorId = randomUUID();
      try {
        return await withTenant(deps.db, creatorId, async (tx) => {
          const account = await accountsRepository.insert(tx, {
            email: input.email,
            name: input.name,
            passwordHash,
          });
          const creator = await creatorsRepository.insert(tx, {
            name: input.creatorName,
            slug,
            timezone: input.timezone ?? 'UTC',
          });
          await membershipsRepository.insert(tx, { accountId: account.id, role: 'owner' });
          const ctx = {
            ...meta,
            creatorId,
            actor: { type: 'account' as const, id: account.id, role: 'owner' as const },
          };
          await deps.audit.record(tx, ctx, {
            action: 'account.registered',
            targetType: 'creator',
            targetId: creatorId,
          });
          const tokens = await deps.sessions.issue(
            tx,
            { type: 'account', id: account.id, role: 'owner' },
            meta,
          );
          return {
            account: toAccountView(account),
            creator: { id: creator.id, name: creator.name, slug: creator.slug },
            ...tokens,
          };
        });
      } catch (error) {
        if (isUniqueViolation(error, 'accounts_email_key')) {
          throw new AppError('EMAIL_TAKEN', {
            message: 'An account with this email already exists. Sign in instead.',
          });
        }
        if (isUniqueViolation(error, 'creators_slug_key')) {
          throw new AppError('CONFLICT', {
            message: `The creator handle "${slug}" was just taken. Try again.`,
          });
        }
        throw error;
      }
    },

    /**
     * Same 401 and about the same time whether the email is unknown or the password wrong. Attempts are
     * limited per account (on top of the per-IP route limit) and a success clears the count.
     */
    async login(input: { email: string; password: string; creatorId?: string }, meta: RequestMeta) {
      const throttleKey = loginThrottleKey(input.email);
      const decision = await deps.rateLimiter.consume(throttleKey, {
        limit: deps.loginAttemptsPerAccount,
        windowMs: loginWindowMs,
      });
      if (!decision.allowed) {
        throw new AppError('RATE_LIMITED', {
          message: 'Too many sign-in attempts for this account. Try again later.',
          headers: { 'retry-after': String(Math.ceil(decision.retryAfterMs / 1000)) },
        });
      }
      const account = await withAppRole(deps.db, (tx) => accountsRepository.getByEmail(tx, input.email));
      const isValid = account
        ? await deps.passwords.verify(account.passwordHash, input.password)
        : await deps.passwords.verifyAgainstDummy(input.password);
      if (!account || !isValid) {
        throw new AppError('INVALID_CREDENTIALS', { message: 'The email or the password is wrong.' });
      }
      await deps.rateLimiter.reset(throttleKey);
      const rows = await memberships(account.id);
      const chosen = input.creatorId ? rows.find((row) => row.creatorId === input.creatorId) : rows[0];
      if (!chosen) {
        throw new AppError('FORBIDDEN', {
          message: input.creatorId
            ? 'This account is not on that creator’s team.'
            : 'This account is not on any creator’s team any more.',
        });
      }
      const tokens = await withTenant(deps.db, chosen.creatorId, async (tx) => {
        await accountsRepository.touchLastLogin(tx, account.id);
        const ctx = {
          ...meta,
          creatorId: chosen.creatorId,
          actor: { type: 'account' as const, id: account.id, role: chosen.role },
        };
        await deps.audit.record(tx, ctx, {
          action: 'auth.login',
          targetType: 'account',
          targetId: account.id,
        });
        return deps.sessions.issue(tx, { type: 'account', id: account.id, role: chosen.role }, meta);
      });
      await deps.afterSignIn?.(chosen.creatorId).catch(() => {});
      return { ...tokens, account: toAccountView(account), memberships: rows.map(toMembershipView) };
    },

    async me(ctx: StaffContext) {
      // One transaction for both reads (a hot path: every page load asks who is signed in).
      const { account, rows } = await withAppRole(
        deps.db,
        async (tx) => ({
          account: await accountsRepository.getById(tx, ctx.actor.id),
          rows: await membershipsRepository.listForAccount(tx),
        }),
        { accountId: ctx.actor.id },
      );
      if (!account) throw new AppError('INVALID_TOKEN', { message: 'This account no longer exists.' });
      return { account: toAccountView(account), memberships: rows.map(toMembershipView) };
    },

    /** Tokens for another creator the same account belongs to. */
    async switchCreator(ctx: StaffContext, targetCreatorId: string) {
      return withTenant(deps.db, targetCreatorId, async (tx) => {
        const membership = await membershipsRepository.get(tx, ctx.actor.id);
        if (!membership) throw notFound('creator');
        const targetCtx = {
          ...ctx,
          creatorId: targetCreatorId,
          actor: { ...ctx.actor, role: membership.role },
        };
        await deps.audit.record(tx, targetCtx, {
          action: 'auth.switch',
          targetType: 'creator',
          targetId: targetCreatorId,
          metadata: { from: ctx.creatorId },
        });
        const tokens = await deps.sessions.issue(
          tx,
          { type: 'account', id: ctx.actor.id, role: membership.role },
          ctx,
        );
        return { ...tokens, creatorId: targetCreatorId, role: membership.role };
      });
    },
  };
};

export type AccountService = ReturnType<typeof createAccountService>;
