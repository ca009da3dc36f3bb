import { jwtIssuer } from '@companero/core/config/load-config';
import type { Runtime } from '@companero/db/runtime';
import { withTenant } from '@companero/db/tenant';
import { createAuditService } from './services/audit.service';
import { createSessionService } from './services/session.service';
import { createSigningKeyService, type SigningKeyService } from './services/signing-keys.service';

/**
 * The auth service's public way for other services (the widget sessions of the channel service) to sign a
 * member in: member tokens signed with the same keys, with a refresh-token family like any member sign-in.
 * Pass the auth service's own key service when it runs in the same process.
 */
export const createMemberTokenIssuer = (runtime: Runtime, sharedKeys?: SigningKeyService) => {
  const { config } = runtime;
  const keys =
    sharedKeys ??
    createSigningKeyService({
      db: runtime.db,
      secretBox: runtime.secretBox,
      issuer: jwtIssuer(config),
      audience: config.JWT_AUDIENCE,
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    });
  const sessions = createSessionService({
    db: runtime.db,
    keys,
    audit: createAuditService({ db: runtime.db }),
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
  });
  // Signing happens inside a tenant transaction, which must not open another: load the key before.
  let started: Promise<void> | null = sharedKeys ? Promise.resolve() : null;
  return {
    issue: async (creatorId: string, memberId: string, meta: { ip?: string; userAgent?: string }) => {
      started ??= keys.start();
      await started;
      return withTenant(runtime.db, creatorId, (tx) =>
        sessions.issue(
          tx,
          { type: 'member', id: memberId },
          { ip: meta.ip, userAgent: meta.userAgent, requestId: 'widget-session' },
        ),
      );
    },
    stop: () => {
      if (!sharedKeys) keys.stop();
    },
  };
};
