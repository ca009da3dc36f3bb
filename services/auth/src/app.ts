import type { HttpApp } from '@companero/core/http/create-http-app';
import type { Runtime } from '@companero/db/runtime';
import { type AuthServices, createAuthServices } from './auth-services';
import { pruneExpiredJob } from './jobs/prune-expired.job';
import { accountDataRoutes } from './routes/account-data.routes';
import { auditRoutes } from './routes/audit.routes';
import { authRoutes } from './routes/auth.routes';
import { jwksRoutes } from './routes/jwks.routes';
import { memberAuthRoutes } from './routes/member-auth.routes';
import { teamRoutes } from './routes/team.routes';

/**
 * Mounts the auth service on an app built with the core kit (the all-in-one server or `companero serve auth`):
 * its routes under /api/auth, the JWKS at /.well-known/jwks.json. Creates the first signing key if needed.
 */
export const registerAuthService = async (app: HttpApp, runtime: Runtime): Promise<AuthServices> => {
  const services = createAuthServices(runtime, app.log);
  await services.keys.start();
  app.addHook('onClose', async () => services.keys.stop());
  await runtime.jobs.define(pruneExpiredJob);
  const limits = {
    loginPerIpPerMinute: runtime.config.LOGIN_ATTEMPTS_PER_IP_PER_MINUTE,
    codesPerIpPerMinute: runtime.config.LOGIN_ATTEMPTS_PER_IP_PER_MINUTE,
  };
  await app.register(jwksRoutes, { services });
  await app.register(
    async (scope: HttpApp) => {
      await scope.register(authRoutes, { services, ...limits });
      await scope.register(teamRoutes, { services, ...limits });
      await scope.register(accountDataRoutes, { services });
      await scope.register(memberAuthRoutes, { services, ...limits });
      await scope.register(auditRoutes, { services });
    },
    { prefix: '/api/auth' },
  );
  return services;
};
