import { deliverMessageJob, replyToMessageJob } from '@companero/contracts/channel/jobs';
import type { HttpApp } from '@companero/core/http/create-http-app';
import type { Runtime } from '@companero/db/runtime';
import type { FastifyBaseLogger } from 'fastify';
import { type ChannelServiceOptions, type ChannelServices, createChannelServices } from './channel-services';
import { telegramWebhookRoutes } from './routes/telegram-webhook.routes';
import { whatsappWebhookRoutes } from './routes/whatsapp-webhook.routes';
import { widgetRoutes } from './routes/widget.routes';
import { widgetScriptRoute } from './routes/widget-script.route';
import { wsGatewayRoutes } from './routes/ws-gateway.routes';
import { ReplyInProgressError } from './services/reply.service';

const defineJobs = async (runtime: Runtime) => {
  await runtime.jobs.define(replyToMessageJob);
  await runtime.jobs.define(deliverMessageJob);
};

/** Mounts the channel service under /api/channels on an app built with the core kit. */
export const registerChannelService = async (
  app: HttpApp,
  runtime: Runtime,
  options: ChannelServiceOptions = {},
): Promise<ChannelServices> => {
  const services = createChannelServices(runtime, app.log, options);
  await defineJobs(runtime);
  const { config } = runtime;
  if (options.widgetScript) await app.register(widgetScriptRoute, { file: options.widgetScript });
  await app.register(
    async (scope: HttpApp) => {
      await scope.register(wsGatewayRoutes, {
        services,
        db: runtime.db,
        pubsub: runtime.cache.pubsub,
        heartbeatSeconds: config.WS_HEARTBEAT_SECONDS,
        idleTimeoutSeconds: config.WS_IDLE_TIMEOUT_SECONDS,
        messagesPer10s: config.WS_MESSAGES_PER_10S,
      });
      await scope.register(widgetRoutes, {
        services,
        db: runtime.db,
        sessionsPerMinute: config.WIDGET_SESSIONS_PER_MINUTE,
      });
      await scope.register(whatsappWebhookRoutes, { services, runtime });
      await scope.register(telegramWebhookRoutes, { services, runtime });
    },
    { prefix: '/api/channels' },
  );
  return services;
};

/**
 * The channel workers: replies (the durable path behind the in-process fast path) and outbound deliveries.
 * A reply whose lease another process holds is retried by pg-boss after the queue's delay.
 */
export const registerChannelWorkers = async (
  runtime: Runtime,
  logger: FastifyBaseLogger,
  options: ChannelServiceOptions = {},
) => {
  const services = createChannelServices(runtime, logger, options);
  await defineJobs(runtime);
  await runtime.jobs.work(
    replyToMessageJob,
    async ({ creatorId, messageId }) => {
      try {
        await services.replies.run(creatorId, messageId);
      } catch (error) {
        if (error instanceof ReplyInProgressError) logger.info({ creatorId, messageId }, error.message);
        throw error;
      }
    },
    { pollingIntervalSeconds: 0.5, localConcurrency: 2 },
  );
  await runtime.jobs.work(
    deliverMessageJob,
    async ({ creatorId, deliveryId }) => {
      await services.deliveries.deliver(creatorId, deliveryId);
    },
    { pollingIntervalSeconds: 0.5, localConcurrency: 4 },
  );
  return services;
};
