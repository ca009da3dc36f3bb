import type { AiComponents } from '@companero/ai/ai-components.types';
import { deliverMessageJob } from '@companero/contracts/channel/jobs';
import { ingestDocumentJob, reindexCreatorJob } from '@companero/contracts/jobs/knowledge-jobs';
import type { HttpApp } from '@companero/core/http/create-http-app';
import type { Runtime } from '@companero/db/runtime';
import multipart from '@fastify/multipart';
import { defineProgramJobs } from './engine/program-jobs';
import { createHubServices, type HubServices } from './hub-services';
import { eraseMemberJob } from './jobs/erase-member.job';
import { registerHabitsAtRiskWorkers } from './jobs/habits-at-risk.workers';
import { habitsAtRiskScanJob } from './jobs/habits-at-risk-scan.job';
import { analyticsRoutes } from './routes/analytics.routes';
import { channelsRoutes } from './routes/channels.routes';
import { coachRoutes } from './routes/coach.routes';
import { enrollmentsRoutes } from './routes/enrollments.routes';
import { gamificationRoutes } from './routes/gamification.routes';
import { habitsRoutes } from './routes/habits.routes';
import { knowledgeRoutes } from './routes/knowledge.routes';
import { memberHabitsRoutes } from './routes/member-habits.routes';
import { membersRoutes } from './routes/members.routes';
import { programWebhooksRoutes } from './routes/program-webhooks.routes';
import { programsRoutes } from './routes/programs.routes';
import { settingsRoutes } from './routes/settings.routes';
import { createEnrollmentsService } from './services/enrollments.service';

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
  await defineProgramJobs(runtime.jobs);
  await runtime.jobs.define(habitsAtRiskScanJob);
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
      await scope.register(programsRoutes, { services });
      await scope.register(enrollmentsRoutes, { enrollments: createEnrollmentsService({ db: runtime.db }) });
      await scope.register(programWebhooksRoutes, { services });
      await scope.register(habitsRoutes, { services });
      await scope.register(gamificationRoutes, { services });
    },
    { prefix: '/api/hub' },
  );
  // The member API of habits and gamification (member tokens).
  await app.register(async (scope: HttpApp) => scope.register(memberHabitsRoutes, { services }), {
    prefix: '/api/me',
  });
  return services;
};

/** The hub's durable jobs (member erasure). */
export const registerCreatorHubWorkers = async (runtime: Runtime, ai: AiComponents) => {
  const { memberData, habitsAtRisk } = createHubServices(runtime, ai);
  await runtime.jobs.work(eraseMemberJob, async ({ creatorId, memberId }) => {
    await memberData.erase(creatorId, memberId);
  });
  await registerHabitsAtRiskWorkers(runtime, habitsAtRisk);
};
