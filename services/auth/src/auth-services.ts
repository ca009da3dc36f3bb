import { jwtIssuer } from '@companero/core/config/load-config';
import type { Runtime } from '@companero/db/runtime';
import type { FastifyBaseLogger } from 'fastify';
import { schedulePrune } from './jobs/prune-expired.job';
import { createAccountService } from './services/account.service';
import { createAccountDataService } from './services/account-data.service';
import { createAuditService } from './services/audit.service';
import { createMailer } from './services/mailer.service';
import { createMemberAuthService } from './services/member-auth.service';
import { createPasswordService } from './services/password.service';
import { createSessionService } from './services/session.service';
import { createSigningKeyService } from './services/signing-keys.service';
import { createTeamService } from './services/team.service';

/** Builds the auth service's use cases from the runtime, each with only the dependencies it needs. */
export const createAuthServices = (runtime: Runtime, logger: FastifyBaseLogger) => {
  const { config, db } = runtime;
  const keys = createSigningKeyService({
    db,
    secretBox: runtime.secretBox,
    issuer: jwtIssuer(config),
    audience: config.JWT_AUDIENCE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
  });
  const audit = createAuditService({ db });
  const passwords = createPasswordService();
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, logger });
  const sessions = createSessionService({
    db,
    keys,
    audit,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  return {
    keys,
    audit,
    passwords,
    mailer,
    sessions,
    accounts: createAccountService({
      db,
      passwords,
      sessions,
      audit,
      rateLimiter: runtime.cache.rateLimiter,
      loginAttemptsPerAccount: config.LOGIN_ATTEMPTS_PER_ACCOUNT_PER_15_MINUTES,
      afterSignIn: async (creatorId) => {
        try {
          await schedulePrune(runtime.jobs, creatorId);
        } catch (error) {
          logger.warn({ err: error, creatorId }, 'could not schedule the session prune job');
        }
      },
    }),
    team: createTeamService({ db, audit, sessions, passwords, mailer, publicUrl: config.PUBLIC_URL }),
    accountData: createAccountDataService({ db, audit, passwords }),
    memberAuth: createMemberAuthService({
      db,
      secretBox: runtime.secretBox,
      mailer,
      sessions,
      audit,
      codeTtlSeconds: config.MEMBER_CODE_TTL_SECONDS,
    }),
  };
};

export type AuthServices = ReturnType<typeof createAuthServices>;
