import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import FindMyWay from 'find-my-way';
import type { Redis } from 'ioredis';
import type { TConfig } from '../config/config.schema';
import { AppError } from '../errors/app-error';
import { loggerOptions } from '../logging/logger';
import { registerErrorHandling } from './error-handler';
import { healthRoutes, type ReadinessChecks } from './health.routes';
import { metricsPlugin } from './metrics.plugin';

export type HttpApp = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  import('fastify').FastifyBaseLogger,
  ZodTypeProvider
>;

export type CreateHttpAppOptions = {
  service: string;
  config: TConfig;
  readiness: ReadinessChecks;
  description?: string;
  /** Shared rate-limit counters across replicas; in-process counters when absent. */
  redis?: Redis;
};

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const allMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;

/**
 * The Fastify kit every Compañero service (and the all-in-one server) is built from: logging with request
 * ids, RFC 9457 errors including 404/405, zod validation, OpenAPI 3.1 at /openapi.json and /docs, metrics,
 * health and readiness, CORS, security headers and body limits.
 */
export const createHttpApp = async (options: CreateHttpAppOptions): Promise<HttpApp> => {
  const { config } = options;
  const app = Fastify({
    logger: loggerOptions(config.LOG_LEVEL, options.service, config.LOG_FORMAT),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    // Behind nginx, a request may still arrive on an open keep-alive connection while the process drains: it is
    // served (with `Connection: close`) rather than refused with a 503 that nginx would not retry for a POST.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // A shadow router that knows every route, so an unknown method on a known path answers 405, not 404.
  const shadowRouter = FindMyWay({ ignoreTrailingSlash: true });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || route.url === '*' || route.url.endsWith('/*')) continue;
      try {
        shadowRouter.on(method.toUpperCase() as (typeof allMethods)[number], route.url, () => {});
      } catch {
        // duplicate registration (e.g. HEAD auto-routes): already known
      }
    }
  });
  registerErrorHandling(app, (request) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed: string[] = allMethods.filter(
      (method) => method !== request.method && shadowRouter.find(method, path) !== null,
    );
    // Fastify answers HEAD wherever it answers GET.
    if (shadowRouter.find('GET', path) !== null && request.method !== 'HEAD' && !allowed.includes('HEAD'))
      allowed.push('HEAD');
    return allowed;
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // server.close() closes the connections idle at that moment; one whose request was still in flight (a
  // streamed answer, a keep-alive connection from nginx) turns idle later and would hold the shutdown until the
  // keep-alive timeout. Close those as they turn idle, so draining ends when the last response does.
  app.addHook('preClose', async () => {
    const closeIdle = setInterval(() => app.server.closeIdleConnections(), 100);
    closeIdle.unref();
    app.server.once('close', () => clearInterval(closeIdle));
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:', 'https:'],
        'style-src': ["'self'", "'unsafe-inline'"],
        'script-src': ["'self'"],
        'connect-src': ["'self'", 'ws:', 'wss:'],
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  const corsOptions = {
    credentials: false,
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  };
  await app.register(cors, {
    hook: 'onRequest',
    // The widget and the channel APIs are called from creators' own sites with bearer tokens, never cookies:
    // they answer any origin (widget sessions then check the creator's allowed origins themselves).
    delegator: (request, callback) => {
      const path = request.url?.split('?')[0] ?? '';
      const isPublicChannelPath = path.startsWith('/api/channels/');
      callback(null, {
        ...corsOptions,
        origin: isPublicChannelPath ? true : config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false,
      });
    },
  });
  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    ...(options.redis ? { redis: options.redis, nameSpace: 'ratelimit:http:' } : {}),
    allowList: (request) =>
      ['/health', '/ready', '/metrics'].includes((request.url.split('?')[0] ?? '').replace(/\/+$/, '')),
    // Thrown, then rendered by the error handler as problem+json; the plugin has already set Retry-After.
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', {
        message: `Too many requests. Try again in ${Math.ceil(context.ttl / 1000)} seconds.`,
        headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
      }),
  });
  if (config.METRICS_ENABLED) await app.register(metricsPlugin, { service: options.service });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: options.service === 'companero' ? 'Compañero API' : `Compañero ${options.service} API`,
        description: options.description ?? 'Compañero: multi-tenant, multi-channel AI coaching.',
        version: '0.1.0',
      },
      servers: [{ url: config.PUBLIC_URL }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: jsonSchemaTransform,
    // Fills components.schemas with every schema registered with `.meta({ id })`, which the routes' $refs name.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Swagger UI sets a few inline styles at run time; scripts stay 'self' only.
    transformStaticCSP: (header) =>
      header.replace("style-src 'self' https:", "style-src 'self' 'unsafe-inline' https:"),
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { checks: options.readiness });
  return app;
};
