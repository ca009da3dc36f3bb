import { buildServerApp, startWorkers } from '@companero/server/server-app';
import type { Backend } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import { startTestServer, type TestServer } from '@companero/testing/test-server';
import { type MailCatcher, startMailCatcher } from './mail-catcher';

/** The all-in-one server over a private environment, as `companero start` builds it. */
export const startAuthServer = (backend: Backend, env?: Record<string, string>) =>
  startTestServer(backend, {
    buildApp: (runtime) => buildServerApp(runtime, ['auth']),
    startWorkers: (runtime) => startWorkers(runtime, ['auth']),
    env,
  });

export type MailingAuthServer = {
  server: TestServer;
  http: HttpClient;
  mail: MailCatcher;
  close(): Promise<void>;
};

/**
 * The all-in-one server with SMTP_URL pointing at a local SMTP server, so one-time codes and invitations are
 * really mailed. The per-IP limit on sign-in routes is raised unless a test sets it: every request comes
 * from 127.0.0.1.
 */
export const startAuthServerWithMail = async (
  backend: Backend,
  env: Record<string, string> = {},
): Promise<MailingAuthServer> => {
  const mail = await startMailCatcher();
  try {
    const server = await startAuthServer(backend, {
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
      RATE_LIMIT_PER_MINUTE: '100000',
      ...env,
      SMTP_URL: mail.smtpUrl,
    });
    return {
      server,
      http: createHttpClient(server.baseUrl),
      mail,
      async close() {
        await server.close();
        await mail.close();
      },
    };
  } catch (error) {
    await mail.close();
    throw error;
  }
};
