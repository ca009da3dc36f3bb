import { ZAskRequest, ZAskResponse } from '@companero/contracts/ai-engine/ask';
import { signedInContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { AiEngineServices } from '../ai-engine-services';

const sseEvent = (event: string, data: unknown, id?: number) =>
  `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export const askRoutes = async (app: HttpApp, { services }: { services: AiEngineServices }) => {
  app.post(
    '/ask',
    {
      preHandler: app.requireSignedIn(),
      schema: {
        tags: ['answers'],
        summary: 'Ask the coach; answers from the knowledge base with citations',
        description:
          'With `Accept: text/event-stream` the answer streams as server-sent events: `token` {delta} (many), then `citations` [...], then `done` {conversationId, messageId, grounded, provider}. An error mid-stream arrives as an `error` event with a problem body.',
        security: [{ bearerAuth: [] }],
        body: ZAskRequest,
        response: { 200: ZAskResponse, ...problemResponses(401, 404, 422, 429) },
      },
    },
    async (request, reply) => {
      const ctx = signedInContext(request);
      if (!(request.headers.accept ?? '').includes('text/event-stream')) {
        return services.answers.ask(ctx, request.body);
      }
      const abort = new AbortController();
      request.raw.on('close', () => abort.abort());
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      let eventId = 0;
      const nextEventId = () => {
        eventId += 1;
        return eventId;
      };
      try {
        const result = await services.answers.ask(ctx, request.body, {
          signal: abort.signal,
          onToken: (delta) => reply.raw.write(sseEvent('token', { delta }, nextEventId())),
        });
        reply.raw.write(sseEvent('citations', result.citations, nextEventId()));
        reply.raw.write(
          sseEvent(
            'done',
            {
              conversationId: result.conversationId,
              messageId: result.messageId,
              grounded: result.grounded,
              provider: result.provider,
              answer: result.answer,
            },
            nextEventId(),
          ),
        );
      } catch (error) {
        request.log.error({ err: error }, 'streamed answer failed');
        const status = (error as { statusCode?: number }).statusCode ?? 500;
        reply.raw.write(
          sseEvent('error', {
            status,
            code: (error as { code?: string }).code ?? 'INTERNAL',
            detail:
              status < 500
                ? (error as Error).message
                : 'The answer could not be completed. Please try again.',
          }),
        );
      }
      reply.raw.end();
    },
  );
};
