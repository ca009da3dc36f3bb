import { type AiRuntime, createAiComponents } from '@companero/ai/ai-components';
import { createAiEngineServices } from '@companero/ai-engine/ai-engine-services';
import { registerAiEngineService, registerAiEngineWorkers } from '@companero/ai-engine/app';
import { registerAuthService } from '@companero/auth/app';
import { registerAuthWorkers } from '@companero/auth/jobs/prune-expired.job';
import { createMemberTokenIssuer } from '@companero/auth/member-token-issuer';
import { registerChannelService, registerChannelWorkers } from '@companero/channel/app';
import { authPlugin } from '@companero/core/auth/auth.plugin';
import { createTokenVerifier, type KeySetSource } from '@companero/core/auth/token-verifier';
import { jwtIssuer } from '@companero/core/config/load-config';
import { createHttpApp, type HttpApp } from '@companero/core/http/create-http-app';
import { loggerOptions } from '@companero/core/logging/logger';
import { registerCreatorHubService, registerCreatorHubWorkers } from '@companero/creator-hub/app';
import type { Runtime } from '@companero/db/runtime';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';

export const serviceNames = ['auth', 'creator-hub', 'ai-engine', 'channel'] as const;
export type ServiceName = (typeof serviceNames)[number];

export const servicePorts: Record<ServiceName, number> = {
  auth: 8001,
  'creator-hub': 8002,
  'ai-engine': 8003,
  channel: 8004,
};

// AI components a server app created for itself, so workers started for the same runtime share them (one
// embedded Chroma per data directory).
const ownedAi = new WeakMap<Runtime, AiRuntime>();

const needsAi = (services: readonly ServiceName[]) =>
  services.includes('creator-hub') || services.includes('ai-engine');

// The channel workers answer members, so they run the AI engine's answer pipeline in their process.
const workersNeedAi = (services: readonly ServiceName[]) => needsAi(services) || services.includes('channel');

/** The AI components (embedded Chroma, local embedding model, LLM) for the services that use them. */
export const createAiForServices = async (
  runtime: Runtime,
  services: readonly ServiceName[],
  logger: FastifyBaseLogger,
): Promise<AiRuntime | undefined> =>
  workersNeedAi(services) ? createAiComponents(runtime.config, logger) : undefined;

/**
 * Builds one HTTP app that serves the given services on the shared kit. The all-in-one server passes every
 * service; `companero serve <service>` passes one. Access tokens are verified against the auth service's keys:
 * in-process when auth runs here, through its public JWKS otherwise.
 */
export const buildServerApp = async (
  runtime: Runtime,
  services: readonly ServiceName[],
  options: { name?: string; ai?: AiRuntime; widgetScript?: string } = {},
): Promise<HttpApp> => {
  // The AI components are created here unless the caller shares its own (then the caller closes them).
  const ownAi = !options.ai && needsAi(services);
  const ai =
    options.ai ?? (ownAi ? await createAiComponents(runtime.config, createLogger(runtime)) : undefined);
  const app = await createHttpApp({
    service: options.name ?? 'companero',
    config: runtime.config,
    readiness: { ...runtime.readiness, ...ai?.readiness },
    redis: runtime.cache.redis,
  });
  if (ownAi && ai) {
    ownedAi.set(runtime, ai);
    app.addHook('onClose', async () => {
      ownedAi.delete(runtime);
      await ai.close();
    });
  }
  let keySource: KeySetSource | undefined;
  let registerAuth: (() => Promise<void>) | undefined;
  let authServices: Awaited<ReturnType<typeof registerAuthService>> | undefined;
  if (services.includes('auth')) {
    let jwks: (() => Promise<import('jose').JSONWebKeySet>) | undefined;
    keySource = { kind: 'local', load: () => jwks!() };
    registerAuth = async () => {
      authServices = await registerAuthService(app, runtime);
      const auth = authServices;
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
  if (services.includes('creator-hub')) await registerCreatorHubService(app, runtime, ai!);
  const aiEngine = services.includes('ai-engine')
    ? await registerAiEngineService(app, runtime, ai!)
    : undefined;
  if (services.includes('channel')) {
    const tokens = createMemberTokenIssuer(runtime, authServices?.keys);
    app.addHook('onClose', async () => tokens.stop());
    await registerChannelService(app, runtime, {
      // With the AI engine in this process, a member's message is answered right away (the job backs it up).
      answers: aiEngine?.answers,
      replyInProcess: Boolean(aiEngine),
      issueMemberToken: tokens.issue,
      widgetScript: options.widgetScript,
    });
  }
  return app;
};

/** Starts the job workers of the given services in this process. */
export const startWorkers = async (
  runtime: Runtime,
  services: readonly ServiceName[],
  sharedAi?: AiRuntime,
): Promise<void> => {
  await runtime.jobs.start();
  const ai = sharedAi ?? ownedAi.get(runtime);
  if (services.includes('auth')) await registerAuthWorkers(runtime.jobs, runtime.db);
  if (workersNeedAi(services) && !ai)
    throw new Error('startWorkers: the creator hub, AI engine and channel workers need the AI components');
  if (services.includes('creator-hub')) await registerCreatorHubWorkers(runtime, ai!);
  if (services.includes('ai-engine')) await registerAiEngineWorkers(runtime, ai!, createLogger(runtime));
  if (services.includes('channel')) {
    const logger = createLogger(runtime);
    await registerChannelWorkers(runtime, logger, {
      answers: createAiEngineServices(runtime, ai!, logger).answers,
    });
  }
};

const createLogger = (runtime: Runtime): FastifyBaseLogger =>
  pino(
    loggerOptions(runtime.config.LOG_LEVEL, 'companero', runtime.config.LOG_FORMAT),
  ) as unknown as FastifyBaseLogger;
