import type { AiComponents } from '@companero/ai/ai-components.types';
import { deliverMessageJob } from '@companero/contracts/channel/jobs';
import { ingestDocumentJob, reindexCreatorJob } from '@companero/contracts/jobs/knowledge-jobs';
import type { HttpApp } from '@companero/core/http/create-http-app';
import type { Runtime } from '@companero/db/runtime';
import multipart from '@fastify/multipart';
import { createHubServices, type HubServices } from './hub-services';
import { eraseMemberJob } from './jobs/erase-member.job';
import { analyticsRoutes } from './routes/analytics.routes';
import { channelsRoutes } from './routes/channels.routes';
import { coachRoutes } from './routes/coach.routes';
import { knowledgeRoutes } from './routes/knowledge.routes';
import { membersRoutes } from './routes/members.routes';
import { settingsRoutes } from './routes/settings.routes';

/** Mounts the creator hub under /api/hub on an app built with the core kit. */
export const registerCreatorHubService = async (
  app: HttpApp,
  runtime: Runtime,
  ai: AiComponents,
): Promise<HubServices> => {
  const services = createHubServices(runtime, ai);
  await runtime.jobs.define(eraseMemberJob);
  await runtime.jobs.define(ingestDocumentJob);
  await runtime.jobs.define(reindexCreatorJob);
  await runtime.jobs.define(deliverMessageJob);
  await app.register(
    async (scope: HttpApp) => {
      await scope.register(multipart, {
        limits: { fileSize: runtime.config.MEMBER_IMPORT_MAX_BYTES, files: 1, fields: 5, parts: 6 },
        throwFileSizeLimit: true,
      });
      await scope.register(membersRoutes, { services });
      await scope.register(analyticsRoutes, { services });
      await scope.register(settingsRoutes, { services });
      await scope.register(knowledgeRoutes, {
        services,
        maxUploadBytes: runtime.config.KNOWLEDGE_MAX_UPLOAD_BYTES,
      });
      await scope.register(coachRoutes, { services });
      await scope.register(channelsRoutes, { services });
    },
    { prefix: '/api/hub' },
  );
  return services;
};

/** The hub's durable jobs (member erasure). */
export const registerCreatorHubWorkers = async (runtime: Runtime, ai: AiComponents) => {
  const { memberData } = createHubServices(runtime, ai);
  await runtime.jobs.work(eraseMemberJob, async ({ creatorId, memberId }) => {
    await memberData.erase(creatorId, memberId);
  });
};
