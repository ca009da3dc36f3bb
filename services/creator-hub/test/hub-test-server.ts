import { buildServerApp, startWorkers } from '@companero/server/server-app';
import type { Backend } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import { startTestServer, type TestServer } from '@companero/testing/test-server';

export type HubTestServer = { server: TestServer; http: HttpClient; close(): Promise<void> };

/**
 * The all-in-one server (auth + creator hub, with their job workers) over a private environment, as
 * `companero start` builds it. Every request of a test comes from 127.0.0.1, so the per-IP limits are
 * raised unless a test sets them.
 */
export const startHubServer = async (
  backend: Backend,
  env: Record<string, string> = {},
): Promise<HubTestServer> => {
  const server = await startTestServer(backend, {
    buildApp: (runtime) => buildServerApp(runtime, ['auth', 'creator-hub']),
    startWorkers: (runtime) => startWorkers(runtime, ['auth', 'creator-hub']),
    env: { RATE_LIMIT_PER_MINUTE: '100000', LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000', ...env },
  });
  return { server, http: createHttpClient(server.baseUrl), close: () => server.close() };
};
