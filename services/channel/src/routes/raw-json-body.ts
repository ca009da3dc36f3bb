import { AppError } from '@companero/core/errors/app-error';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/**
 * Keeps the exact bytes of JSON bodies in this scope: provider signatures are computed over the raw body, and
 * re-serialising the parsed JSON would not reproduce them.
 */
export const keepRawJsonBody = (app: FastifyInstance) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    try {
      done(null, body.length === 0 ? undefined : JSON.parse(body.toString('utf8')));
    } catch (error) {
      done(
        new AppError('MALFORMED_JSON', { message: 'The body is not valid JSON.', cause: error }),
        undefined,
      );
    }
  });
};
