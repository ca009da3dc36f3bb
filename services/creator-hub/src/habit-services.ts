import type { Runtime } from '@companero/db/runtime';
import type { GamificationHooks } from './services/gamification.service';
import { createGamificationService } from './services/gamification.service';
import { createHabitCheckIns } from './services/habit-checkins.service';
import { createHabitsService } from './services/habits.service';
import { createHabitsAtRiskService, type HabitsAtRiskHooks } from './services/habits-at-risk.service';
import { createMemberHabitsService } from './services/member-habits.service';

/**
 * Habits and gamification, built from the runtime. `habitHooks` is the port object apps/server fills once the
 * channel service exists (announceAward → the channel's proactive sendInTx; onAtRisk → a program trigger);
 * until then awards are not announced and nothing listens to new at-risk flags.
 */
export const createHabitServices = (runtime: Runtime) => {
  const habitHooks: GamificationHooks & HabitsAtRiskHooks = {};
  const gamification = createGamificationService({ db: runtime.db, hooks: habitHooks });
  const habitCheckIns = createHabitCheckIns({ recordEvent: gamification.recordEvent });
  const habitsAtRisk = createHabitsAtRiskService({ db: runtime.db, jobs: runtime.jobs, hooks: habitHooks });
  return {
    habitHooks,
    gamification,
    habitCheckIns,
    habitsAtRisk,
    habits: createHabitsService({ db: runtime.db, atRisk: habitsAtRisk }),
    memberHabits: createMemberHabitsService({ db: runtime.db, checkIns: habitCheckIns }),
  };
};
