import type { FastifyBaseLogger } from 'fastify';

/**
 * SIGTERM/SIGINT: stop taking work, finish what is in flight (HTTP requests, running jobs), then exit.
 * A second signal, or 25 s without finishing, exits at once.
 */
export const onShutdown = (logger: Pick<FastifyBaseLogger, 'info' | 'error'>, close: () => Promise<void>) => {
  let isClosing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (isClosing) process.exit(1);
    isClosing = true;
    logger.info({ signal }, 'shutting down: draining requests and jobs');
    const timer = setTimeout(() => process.exit(1), 25_000);
    timer.unref();
    close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
};
