import type { AiComponents } from '@companero/ai/ai-components.types';
import { ingestDocumentJob, reindexCreatorJob } from '@companero/contracts/jobs/knowledge-jobs';
import type { HttpApp } from '@companero/core/http/create-http-app';
import type { Runtime } from '@companero/db/runtime';
import type { FastifyBaseLogger } from 'fastify';
import { type AiEngineServices, createAiEngineServices } from './ai-engine-services';
import { askRoutes } from './routes/ask.routes';
import { conversationsRoutes } from './routes/conversations.routes';

/** Mounts the AI engine under /api/ai on an app built with the core kit. */
export const registerAiEngineService = async (
  app: HttpApp,
  runtime: Runtime,
  ai: AiComponents,
): Promise<AiEngineServices> => {
  const services = createAiEngineServices(runtime, ai, app.log);
  await runtime.jobs.define(reindexCreatorJob);
  await app.register(
    async (scope: HttpApp) => {
      await scope.register(askRoutes, { services });
      await scope.register(conversationsRoutes, { services });
    },
    { prefix: '/api/ai' },
  );
  return services;
};

/**
 * Ingestion workers: one document at a time per process (parsing and embedding are CPU-bound), on their own
 * queue so a slow or failing file never holds up other jobs.
 */
export const registerAiEngineWorkers = async (
  runtime: Runtime,
  ai: AiComponents,
  logger: FastifyBaseLogger,
) => {
  const { ingestion } = createAiEngineServices(runtime, ai, logger);
  await runtime.jobs.define(ingestDocumentJob);
  await runtime.jobs.define(reindexCreatorJob);
  await runtime.jobs.work(ingestDocumentJob, async ({ creatorId, documentId }, job) => {
    await ingestion.ingest(creatorId, documentId, {
      isLastAttempt: job.retryCount >= ingestDocumentJob.options.retryLimit,
    });
  });
  await runtime.jobs.work(reindexCreatorJob, async ({ creatorId }) => {
    await ingestion.reindexCreator(creatorId);
  });
};
