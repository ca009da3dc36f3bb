import type { TConfig } from '@companero/core/config/config.schema';
import { loadConfig } from '@companero/core/config/load-config';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { createRuntime, type Runtime } from '@companero/db/runtime';
import { type Backend, createTestEnvironment } from './backends';

export type TestServer = {
  baseUrl: string;
  app: HttpApp;
  runtime: Runtime;
  config: TConfig;
  close(): Promise<void>;
};

type BuildApp = (runtime: Runtime) => Promise<HttpApp>;
type StartWorkers = (runtime: Runtime) => Promise<void>;

/**
 * Starts a real server on a free port over a private environment, the way `companero start` does: migrate,
 * start the job queue, build the app, listen. Tests talk to it over HTTP.
 */
export const startTestServer = async (
  backend: Backend,
  options: { buildApp: BuildApp; startWorkers?: StartWorkers; env?: Record<string, string> },
): Promise<TestServer> => {
  const environment = await createTestEnvironment(backend, options.env);
  const config = loadConfig(environment.env);
  const runtime = await createRuntime(config, { migrate: true });
  await runtime.jobs.start();
  const app = await options.buildApp(runtime);
  await options.startWorkers?.(runtime);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no port');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    app,
    runtime,
    config,
    async close() {
      await app.close();
      await runtime.close();
      await environment.cleanup();
    },
  };
};
