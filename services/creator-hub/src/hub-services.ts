import type { AiComponents } from '@companero/ai/ai-components.types';
import type { Runtime } from '@companero/db/runtime';
import { createHabitServices } from './habit-services';
import { createAnalyticsService } from './services/analytics.service';
import { createChannelsService } from './services/channels.service';
import { createCoachService } from './services/coach.service';
import { createFoldersService } from './services/folders.service';
import { createKnowledgeService } from './services/knowledge.service';
import { createMemberDataService } from './services/member-data.service';
import { createMemberImportService } from './services/member-import.service';
import { createMembersService } from './services/members.service';
import { createProgramWebhooksService } from './services/program-webhooks.service';
import { createProgramsService } from './services/programs.service';
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
    programs: createProgramsService({
      db: runtime.db,
      allowPrivateWebhooks: runtime.config.PROGRAM_WEBHOOKS_ALLOW_PRIVATE,
      jobs: runtime.jobs,
    }),
    programWebhooks: createProgramWebhooksService({ db: runtime.db, secretBox: runtime.secretBox }),
    channels: createChannelsService({
      db: runtime.db,
      jobs: runtime.jobs,
      secretBox: runtime.secretBox,
      publicUrl: runtime.config.PUBLIC_URL,
    }),
    // Habits and gamification: habits, memberHabits, gamification, habitCheckIns, habitsAtRisk, habitHooks.
    ...createHabitServices(runtime),
  };
};

export type HubServices = ReturnType<typeof createHubServices>;
