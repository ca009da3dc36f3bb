import type { Runtime } from '@companero/db/runtime';
import type { HabitsAtRisk } from '../services/habits-at-risk.service';
import { habitsAtRiskScanJob } from './habits-at-risk-scan.job';
import { habitsAtRiskSweepCron, habitsAtRiskSweepJob } from './habits-at-risk-sweep.job';

/**
 * The at-risk workers: the per-creator scan, the hourly sweep that fans it out, and the sweep's pg-boss cron
 * schedule (an upsert: every worker process may declare it; pg-boss sends one job per tick).
 */
export const registerHabitsAtRiskWorkers = async (runtime: Runtime, atRisk: HabitsAtRisk) => {
  await runtime.jobs.work(habitsAtRiskScanJob, async ({ creatorId, force }) => {
    await atRisk.scan(creatorId, { force });
  });
  await runtime.jobs.work(habitsAtRiskSweepJob, async () => {
    await atRisk.sweep();
  });
  await runtime.jobs.boss.schedule(habitsAtRiskSweepJob.name, habitsAtRiskSweepCron, {}, { tz: 'UTC' });
};
