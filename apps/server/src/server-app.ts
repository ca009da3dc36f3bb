import { type AiRuntime, createAiComponents } from '@companero/ai/ai-components';
import { createAiEngineServices } from '@companero/ai-engine/ai-engine-services';
import { registerAiEngineService, registerAiEngineWorkers } from '@companero/ai-engine/app';
import { registerAuthService } from '@companero/auth/app';
import { registerAuthWorkers } from '@companero/auth/jobs/prune-expired.job';
import { createMemberTokenIssuer } from '@companero/auth/member-token-issuer';
import { registerChannelService, registerChannelWorkers } from '@companero/channel/app';
import { type ChannelServices, createChannelServices } from '@companero/channel/channel-services';
import type { InboundTextHook } from '@companero/channel/ports/inbound-text-hook';
import type { PendingEvent } from '@companero/channel/services/channel-events.service';
import { authPlugin } from '@companero/core/auth/auth.plugin';
import { createTokenVerifier, type KeySetSource } from '@companero/core/auth/token-verifier';
import { jwtIssuer } from '@companero/core/config/load-config';
import { createHttpApp, type HttpApp } from '@companero/core/http/create-http-app';
import { loggerOptions } from '@companero/core/logging/logger';
import { registerCreatorHubService, registerCreatorHubWorkers } from '@companero/creator-hub/app';
import type { ProgramEnginePorts } from '@companero/creator-hub/engine/ports';
import { createProgramEngine, type ProgramEngine } from '@companero/creator-hub/engine/program-engine';
import { registerProgramWorkers } from '@companero/creator-hub/engine/program-jobs';
import { createHabitServices } from '@companero/creator-hub/habit-services';
import type { AwardAnnouncer } from '@companero/creator-hub/ports/gamification-hooks';
import { createProgramWebhookSender } from '@companero/creator-hub/senders/program-webhook.sender';
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

export type ServerOptions = {
  /** The clock of the program engine (tests move a fake one); the wall clock by default. */
  now?: () => Date;
};

/**
 * The program engine of this process. Its hooks (a member's inbound text, tags added) only write to the
 * database and enqueue jobs, so every service process can run them; running steps needs the ports that reach
 * the channel service, the AI engine and webhooks (`programPorts`), which only workers build.
 */
const createEngine = (
  runtime: Runtime,
  logger: FastifyBaseLogger,
  ports: ProgramEnginePorts = {},
  options: ServerOptions = {},
): ProgramEngine =>
  createProgramEngine({
    db: runtime.db,
    jobs: runtime.jobs,
    ports,
    now: options.now,
    logger,
    config: { schedulerIntervalMs: runtime.config.PROGRAM_SCHEDULER_INTERVAL_MS },
  });

type HabitServices = ReturnType<typeof createHabitServices>;

/** Achievements the creator wants announced go out as the coach's proactive message on the member's channel. */
const announceWith =
  (channel: ChannelServices): AwardAnnouncer =>
  async (tx, { memberId, text }) => {
    const sent = await channel.proactive.sendInTx(tx, { memberId, text });
    return sent ? () => channel.events.publishAll(sent.events) : undefined;
  };

/** Habits and gamification of this process, announcing awards through the channel service. */
const habitServicesFor = (runtime: Runtime, logger: FastifyBaseLogger): HabitServices => {
  const habits = createHabitServices(runtime);
  habits.habitHooks.announceAward = announceWith(createChannelServices(runtime, logger));
  return habits;
};

/**
 * Every stored inbound text, in the inbound transaction: a first message earns its points; a program waiting
 * for this reply (or STOP/START, or a trigger) comes first; otherwise a habit check-in ("did my run", a Done ✅
 * button) is recorded, and a message that is only a check-in is answered with its streak instead of the coach.
 */
const inboundTextHook =
  (engine: ProgramEngine, habits: HabitServices): InboundTextHook =>
  async (tx, event) => {
    const after: (() => Promise<void>)[] = [];
    const afterCommit = async () => {
      for (const work of after) await work();
    };
    if (event.firstMessage) {
      const first = await habits.gamification.recordEvent(tx, {
        memberId: event.memberId,
        type: 'first_message',
        key: 'first',
        data: { messageId: event.messageId, channel: event.channel },
      });
      after.push(first.afterCommit);
    }
    const program = await engine.onInboundInTx(tx, event);
    if (program.consumed) return { ...program, afterCommit };
    const checkIn = await habits.habitCheckIns.fromMessage(tx, {
      memberId: event.memberId,
      messageId: event.messageId,
      text: event.text,
      payload: event.payload,
      channel: event.channel,
    });
    if (checkIn.outcome === 'not_a_check_in') return { consumed: false, afterCommit };
    after.push(checkIn.afterCommit);
    return checkIn.isBareCheckIn
      ? { consumed: true, systemReply: checkIn.reply, afterCommit }
      : { consumed: false, afterCommit };
  };

/** How program steps reach members (the channel service's proactive send), the AI engine and webhooks. */
const programPorts = (runtime: Runtime, ai: AiRuntime, logger: FastifyBaseLogger, options: ServerOptions) => {
  const channel = createChannelServices(runtime, logger);
  const coaching = createAiEngineServices(runtime, ai, logger).coaching;
  const habits = habitServicesFor(runtime, logger);
  return {
    gamification: { recordEvent: (tx, event) => habits.gamification.recordEvent(tx, event) },
    messenger: {
      sendInTx: (tx, request) => channel.proactive.sendInTxOrdered(tx, request),
      publish: (events) => channel.events.publishAll(events as PendingEvent[]),
    },
    ai: { compose: coaching.compose, classify: coaching.classify },
    postWebhook: createProgramWebhookSender({
      db: runtime.db,
      secretBox: runtime.secretBox,
      allowPrivate: runtime.config.PROGRAM_WEBHOOKS_ALLOW_PRIVATE,
      now: options.now,
    }),
  } satisfies ProgramEnginePorts;
};

/**
 * Builds one HTTP app that serves the given services on the shared kit. The all-in-one server passes every
 * service; `companero serve <service>` passes one. Access tokens are verified against the auth service's keys:
 * in-process when auth runs here, through its public JWKS otherwise.
 */
export const buildServerApp = async (
  runtime: Runtime,
  services: readonly ServiceName[],
  options: { name?: string; ai?: AiRuntime; widgetScript?: string } & ServerOptions = {},
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
  if (services.includes('creator-hub')) {
    const hub = await registerCreatorHubService(app, runtime, ai!);
    // Check-ins from the member API announce the achievements they unlock on the member's channel.
    hub.habitHooks.announceAward = announceWith(createChannelServices(runtime, createLogger(runtime)));
  }
  const aiEngine = services.includes('ai-engine')
    ? await registerAiEngineService(app, runtime, ai!)
    : undefined;
  if (services.includes('channel')) {
    const tokens = createMemberTokenIssuer(runtime, authServices?.keys);
    app.addHook('onClose', async () => tokens.stop());
    const logger = createLogger(runtime);
    const engine = createEngine(runtime, logger, {}, options);
    await registerChannelService(app, runtime, {
      // With the AI engine in this process, a member's message is answered right away (the job backs it up).
      answers: aiEngine?.answers,
      onInboundText: inboundTextHook(engine, habitServicesFor(runtime, logger)),
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
  options: ServerOptions = {},
): Promise<void> => {
  await runtime.jobs.start();
  const ai = sharedAi ?? ownedAi.get(runtime);
  if (services.includes('auth')) await registerAuthWorkers(runtime.jobs, runtime.db);
  if (workersNeedAi(services) && !ai)
    throw new Error('startWorkers: the creator hub, AI engine and channel workers need the AI components');
  if (services.includes('creator-hub')) {
    await registerCreatorHubWorkers(runtime, ai!);
    // The program engine runs with the hub's workers: steps, the wake-up scheduler and trigger scans.
    const logger = createLogger(runtime);
    const engine = createEngine(runtime, logger, programPorts(runtime, ai!, logger, options), options);
    const programs = await registerProgramWorkers(runtime, logger, engine);
    runtime.beforeClose(() => programs.stop());
  }
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
