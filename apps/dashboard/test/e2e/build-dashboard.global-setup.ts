import { ensureDashboardBuilt } from '@companero/server/dashboard.plugin';
import { ensureWidgetBuilt } from '@companero/widget/build-widget';

/**
 * Builds the dashboard once before any test file runs: the Chromium journeys run in parallel workers, and two
 * of them finding a stale build at the same moment would race two builds into one dist folder.
 */
export default async function buildDashboard() {
  await ensureDashboardBuilt({ rebuildWhenStale: true, log: (line) => console.log(line) });
  await ensureWidgetBuilt();
}
