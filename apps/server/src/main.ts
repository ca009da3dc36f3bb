import { existsSync } from 'node:fs';
import { createAuthServices } from '@companero/auth/auth-services';
import { loadConfig } from '@companero/core/config/load-config';
import { loggerOptions } from '@companero/core/logging/logger';
import { createRuntime, runMigrations } from '@companero/db/runtime';
import { ensureWidgetBuilt, widgetDistFile } from '@companero/widget/build-widget';
import { Command, InvalidArgumentError } from 'commander';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { dashboardPlugin, ensureDashboardBuilt } from './dashboard.plugin';
import {
  buildServerApp,
  createAiForServices,
  type ServiceName,
  serviceNames,
  servicePorts,
  startWorkers,
} from './server-app';
import { onShutdown } from './shutdown';

// A .env file in the working directory is read like the environment (variables already set win).
if (existsSync('.env')) process.loadEnvFile('.env');

const parsePort = (value: string) => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port number');
  return port;
};

const parseService = (value: string): ServiceName => {
  if (!(serviceNames as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`one of: ${serviceNames.join(', ')}`);
  }
  return value as ServiceName;
};

const program = new Command()
  .name('companero')
  .description('Compañero: multi-tenant, multi-channel, proactive AI coaching platform')
  .showHelpAfterError();

program
  .command('start')
  .description('Migrate, then serve every service and run every worker in one process (the embedded default)')
  .option('-p, --port <port>', 'port to listen on (default: PORT or 8000)', parsePort)
  .action(async (options: { port?: number }) => {
    const startedAt = performance.now();
    const config = loadConfig();
    const logger = pino(loggerOptions(config.LOG_LEVEL, 'companero', config.LOG_FORMAT));
    await ensureDashboardBuilt({ log: (line) => logger.info(line) });
    await ensureWidgetBuilt();
    const runtime = await createRuntime(config, {
      migrate: true,
      applicationName: 'companero',
      onMigrated: (report) =>
        logger.info(
          { applied: report.applied },
          `database ready (${report.applied.length} migrations applied)`,
        ),
      onJobError: (error) => logger.error({ err: error }, 'job queue error'),
    });
    await runtime.jobs.start();
    const ai = await createAiForServices(runtime, serviceNames, logger);
    const app = await buildServerApp(runtime, serviceNames, { ai, widgetScript: widgetDistFile });
    await app.register(dashboardPlugin);
    await startWorkers(runtime, serviceNames, ai);
    const port = options.port ?? config.PORT;
    await app.listen({ port, host: config.HOST });
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    const mode = [
      runtime.database.kind === 'pglite' ? `PGlite in ${config.DATA_DIR}/pg` : 'PostgreSQL',
      runtime.cache.kind === 'redis' ? 'Redis' : 'in-process cache',
    ].join(', ');
    app.log.info(
      { readyInMs: Math.round(performance.now() - startedAt), port: boundPort },
      `Compañero is ready at http://localhost:${boundPort} (${mode}). API docs: http://localhost:${boundPort}/docs`,
    );
    onShutdown(app.log, async () => {
      await app.close();
      await ai?.close();
      await runtime.close();
    });
  });

program
  .command('serve')
  .description(
    `Serve one service on its own port (${serviceNames.map((name) => `${name}: ${servicePorts[name]}`).join(', ')})`,
  )
  .argument('<service>', `the service: ${serviceNames.join(', ')}`, parseService)
  .option('-p, --port <port>', 'port to listen on (default: PORT, else the service’s own port)', parsePort)
  .action(async (service: ServiceName, options: { port?: number }) => {
    const config = loadConfig();
    const runtime = await createRuntime(config, { applicationName: `companero-${service}` });
    await runtime.jobs.start();
    if (service === 'channel') await ensureWidgetBuilt();
    const app = await buildServerApp(runtime, [service], {
      name: `companero-${service}`,
      widgetScript: service === 'channel' ? widgetDistFile : undefined,
    });
    const port = options.port ?? (process.env.PORT ? config.PORT : servicePorts[service]);
    await app.listen({ port, host: config.HOST });
    app.log.info(`Compañero ${service} service listening on port ${port}`);
    onShutdown(app.log, async () => {
      await app.close();
      await runtime.close();
    });
  });

program
  .command('work')
  .description('Run the job workers of the given services (all when none is named)')
  .argument('[services...]', `services whose queues to work: ${serviceNames.join(', ')}`)
  .action(async (names: string[]) => {
    const services = names.length > 0 ? names.map(parseService) : [...serviceNames];
    const config = loadConfig();
    const logger = pino(loggerOptions(config.LOG_LEVEL, 'companero-worker', config.LOG_FORMAT));
    const runtime = await createRuntime(config, {
      applicationName: 'companero-worker',
      onJobError: (error) => logger.error({ err: error }, 'job queue error'),
    });
    const ai = await createAiForServices(runtime, services, logger as unknown as FastifyBaseLogger);
    await startWorkers(runtime, services, ai);
    logger.info({ services }, 'workers running');
    onShutdown(logger, async () => {
      await runtime.close();
      await ai?.close();
    });
  });

const db = program.command('db').description('Database administration');
db.command('migrate')
  .description(
    'Apply pending migrations as the owner role (DATABASE_OWNER_URL, else DATABASE_URL, else PGlite)',
  )
  .action(async () => {
    const report = await runMigrations(loadConfig());
    console.log(
      report.applied.length > 0
        ? `Applied ${report.applied.length} migration(s): ${report.applied.join(', ')}`
        : `Database is up to date (${report.alreadyApplied} migrations applied before).`,
    );
  });

const keys = program.command('keys').description('JWT signing keys');
keys
  .command('rotate')
  .description('Create a new signing key; tokens signed with the old one stay valid until they expire')
  .action(async () => {
    const config = loadConfig();
    const logger = pino(loggerOptions(config.LOG_LEVEL, 'companero', config.LOG_FORMAT));
    const runtime = await createRuntime(config, { applicationName: 'companero-keys' });
    try {
      const { kid } = await createAuthServices(runtime, logger).keys.rotate();
      console.log(
        `New active signing key: ${kid}. The previous key stays in the JWKS until its tokens expire.`,
      );
    } finally {
      await runtime.close();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
