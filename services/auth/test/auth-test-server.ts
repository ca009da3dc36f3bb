import { buildServerApp, startWorkers } from '@companero/server/server-app';
import type { Backend } from '@companero/testing/backends';
import { startTestServer } from '@companero/testing/test-server';

/** The all-in-one server over a private environment, as `companero start` builds it. */
export const startAuthServer = (backend: Backend, env?: Record<string, string>) =>
  startTestServer(backend, {
    buildApp: (runtime) => buildServerApp(runtime, ['auth']),
    startWorkers: (runtime) => startWorkers(runtime, ['auth']),
    env,
  });
