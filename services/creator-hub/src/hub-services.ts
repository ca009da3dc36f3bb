import type { AiComponents } from '@companero/ai/ai-components.types';
import type { Runtime } from '@companero/db/runtime';
import { createAnalyticsService } from './services/analytics.service';
import { createChannelsService } from './services/channels.service';
import { createCoachService } from './services/coach.service';
import { createFoldersService } from './services/folders.service';
import { createKnowledgeService } from './services/knowledge.service';
import { createMemberDataService } from './services/member-data.service';
import { createMemberImportService } from './services/member-import.service';
import { createMembersService } from './services/members.service';
import { createSettingsService } from './services/settings.service';
import { createUnansweredService } from './services/unanswered.service';

/** The creator hub's use cases, built from the runtime with only what each needs. */
export const createHubServices = (runtime: Runtime, ai: AiComponents) => {
  const knowledge = createKnowledgeService({
    db: runtime.db,
    jobs: runtime.jobs,
    ai,
    pubsub: runtime.cache.pubsub,
  });
  return {
    knowledge,
    folders: createFoldersService({ db: runtime.db }),
    coach: createCoachService({ db: runtime.db }),
    unanswered: createUnansweredService({ db: runtime.db, knowledge }),
    members: createMembersService({ db: runtime.db }),
    memberImport: createMemberImportService({ db: runtime.db }),
    memberData: createMemberDataService({ db: runtime.db, jobs: runtime.jobs, cache: runtime.cache }),
    analytics: createAnalyticsService({ db: runtime.db }),
    settings: createSettingsService({ db: runtime.db }),
    channels: createChannelsService({
      db: runtime.db,
      jobs: runtime.jobs,
      secretBox: runtime.secretBox,
      publicUrl: runtime.config.PUBLIC_URL,
    }),
  };
};

export type HubServices = ReturnType<typeof createHubServices>;
