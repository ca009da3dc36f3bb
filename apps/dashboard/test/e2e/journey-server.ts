import { dashboardPlugin } from '@companero/server/dashboard.plugin';
import { buildServerApp, type ServiceName, startWorkers } from '@companero/server/server-app';
import { backends } from '@companero/testing/backends';
import { startTestServer, type TestServer } from '@companero/testing/test-server';

export { chromiumLaunchOptions } from '@companero/testing/chromium';

/**
 * The all-in-one server with the built dashboard at /, on the embedded defaults, for a journey that uses
 * `services`. Access tokens live 30 s so every journey also goes through transparent refreshes. The dashboard
 * itself (and the widget, for `widgetScript`) is built once for all test files by the Vitest global setup.
 */
export const startJourneyServer = (
  services: ServiceName[],
  options: { widgetScript?: string } = {},
): Promise<TestServer> =>
  startTestServer(backends()[0]!, {
    buildApp: async (runtime) => {
      const app = await buildServerApp(runtime, services, { widgetScript: options.widgetScript });
      await app.register(dashboardPlugin);
      return app;
    },
    startWorkers: (runtime) => startWorkers(runtime, services),
    env: {
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
      RATE_LIMIT_PER_MINUTE: '100000',
      WIDGET_SESSIONS_PER_MINUTE: '1000',
      ACCESS_TOKEN_TTL_SECONDS: '30',
    },
  });
