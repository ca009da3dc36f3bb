import { registerAuthService } from '@companero/auth/app';
import { registerAuthWorkers } from '@companero/auth/jobs/prune-expired.job';
import { authPlugin } from '@companero/core/auth/auth.plugin';
import { createTokenVerifier, type KeySetSource } from '@companero/core/auth/token-verifier';
import { jwtIssuer } from '@companero/core/config/load-config';
import { createHttpApp, type HttpApp } from '@companero/core/http/create-http-app';
import { registerCreatorHubService, registerCreatorHubWorkers } from '@companero/creator-hub/app';
import type { Runtime } from '@companero/db/runtime';

export const serviceNames = ['auth', 'creator-hub'] as const;
export type ServiceName = (typeof serviceNames)[number];

export const servicePorts: Record<ServiceName, number> = { auth: 8001, 'creator-hub': 8002 };

/**
 * Builds one HTTP app that serves the given services on the shared kit. The all-in-one server passes every
 * service; `companero serve <service>` passes one. Access tokens are verified against the auth service's keys:
 * in-process when auth runs here, through its public JWKS otherwise.
 */
export const buildServerApp = async (
  runtime: Runtime,
  services: readonly ServiceName[],
  name = 'companero',
): Promise<HttpApp> => {
  const app = await createHttpApp({
    service: name,
    config: runtime.config,
    readiness: runtime.readiness,
    redis: runtime.cache.redis,
  });
  let keySource: KeySetSource | undefined;
  let registerAuth: (() => Promise<void>) | undefined;
  if (services.includes('auth')) {
    let jwks: (() => Promise<import('jose').JSONWebKeySet>) | undefined;
    keySource = { kind: 'local', load: () => jwks!() };
    registerAuth = async () => {
      const auth = await registerAuthService(app, runtime);
      jwks = () => auth.keys.jwks();
    };
  } else {
    keySource = {
      kind: 'remote',
      url: runtime.config.AUTH_JWKS_URL ?? `http://127.0.0.1:${servicePorts.auth}/.well-known/jwks.json`,
    };
  }
  await app.register(authPlugin, {
    verifier: createTokenVerifier({
      source: keySource,
      issuer: jwtIssuer(runtime.config),
      audience: runtime.config.JWT_AUDIENCE,
    }),
  });
  await registerAuth?.();
  if (services.includes('creator-hub')) await registerCreatorHubService(app, runtime);
  return app;
};

/** Starts the job workers of the given services in this process. */
export const startWorkers = async (runtime: Runtime, services: readonly ServiceName[]): Promise<void> => {
  await runtime.jobs.start();
  if (services.includes('auth')) await registerAuthWorkers(runtime.jobs, runtime.db);
  if (services.includes('creator-hub')) await registerCreatorHubWorkers(runtime);
};
