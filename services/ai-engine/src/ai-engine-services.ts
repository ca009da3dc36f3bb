import type { AiComponents } from '@companero/ai/ai-components.types';
import type { Runtime } from '@companero/db/runtime';
import type { FastifyBaseLogger } from 'fastify';
import { createAnswerService } from './services/answer.service';
import { createCoachingMessageService } from './services/coaching-messages.service';
import { createConversationsService } from './services/conversations.service';
import { createIngestionService } from './services/ingestion.service';

export const createAiEngineServices = (runtime: Runtime, ai: AiComponents, logger: FastifyBaseLogger) => ({
  answers: createAnswerService({ db: runtime.db, ai, cache: runtime.cache, jobs: runtime.jobs, logger }),
  conversations: createConversationsService({ db: runtime.db }),
  coaching: createCoachingMessageService({ db: runtime.db, ai, jobs: runtime.jobs, logger }),
  ingestion: createIngestionService({
    db: runtime.db,
    ai,
    jobs: runtime.jobs,
    pubsub: runtime.cache.pubsub,
    logger,
  }),
});

export type AiEngineServices = ReturnType<typeof createAiEngineServices>;
