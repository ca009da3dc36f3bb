import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

export type ReadinessChecks = Record<string, () => Promise<void>>;

const checkTimeoutMs = 2000;

const withTimeout = async (check: () => Promise<void>): Promise<'ok' | 'down'> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), checkTimeoutMs);
      }),
    ]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
};

const ZHealth = z.object({ status: z.literal('ok') });
const ZReady = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.enum(['ok', 'down'])),
});

/** `/health`: the process runs. `/ready`: every dependency answers within two seconds. */
export const healthRoutes = async (app: FastifyInstance, options: { checks: ReadinessChecks }) => {
  app.get(
    '/health',
    { schema: { tags: ['health'], summary: 'Liveness', response: { 200: ZHealth } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness of every dependency',
        response: { 200: ZReady, 503: ZReady },
      },
    },
    async (_request, reply) => {
      const entries = await Promise.all(
        Object.entries(options.checks).map(
          async ([name, check]) => [name, await withTimeout(check)] as const,
        ),
      );
      const checks = Object.fromEntries(entries);
      const isReady = entries.every(([, state]) => state === 'ok');
      return reply.code(isReady ? 200 : 503).send({ status: isReady ? 'ok' : 'unavailable', checks });
    },
  );
};
