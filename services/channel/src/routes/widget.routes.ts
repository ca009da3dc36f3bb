import {
  ZChannelHistory,
  ZWidgetSessionRequest,
  ZWidgetSessionResponse,
} from '@companero/contracts/channel/widget';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { z } from 'zod';
import type { ChannelServices } from '../channel-services';
import { eventsRepository } from '../repositories/events.repository';
import { messagesRepository } from '../repositories/messages.repository';

const ZSlugParams = z.object({ creatorSlug: z.string().min(1).max(63) });
const ZHistoryQuery = z.object({
  channel: z.enum(['widget', 'app', 'websocket']).default('widget'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const ZLinkCode = z.object({ code: z.string(), expiresAt: z.string() });

/** The widget's HTTP side: sessions (public, origin-checked), the member's history, and link codes. */
export const widgetRoutes = async (
  app: HttpApp,
  {
    services,
    db,
    sessionsPerMinute,
  }: { services: ChannelServices; db: TenantDatabase; sessionsPerMinute: number },
) => {
  const tags = ['channels'];
  app.post(
    '/widget/:creatorSlug/sessions',
    {
      config: { rateLimit: { max: sessionsPerMinute, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: "Opens a chat session for the widget on a page of one of the creator's allowed origins",
        params: ZSlugParams,
        body: ZWidgetSessionRequest,
        response: { 201: ZWidgetSessionResponse, ...problemResponses(401, 403, 404, 422, 429) },
      },
    },
    async (request, reply) => {
      const session = await services.widgetSessions.open(request.params.creatorSlug, request.body, {
        origin: request.headers.origin,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      return reply.code(201).send(session);
    },
  );

  app.get(
    '/messages',
    {
      preHandler: app.requireMember(),
      schema: {
        tags,
        summary: "The member's conversation on a channel, oldest first, with the event id to resume from",
        security: [{ bearerAuth: [] }],
        querystring: ZHistoryQuery,
        response: { 200: ZChannelHistory, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const claims = request.claims!;
      return withTenant(db, claims.cid, async (tx) => {
        const owner = { memberId: claims.sub };
        const conversationId = await messagesRepository.latestConversation(tx, owner, request.query.channel);
        return {
          conversationId,
          items: conversationId
            ? await messagesRepository.history(tx, conversationId, request.query.limit)
            : [],
          lastEventId: await eventsRepository.latestId(tx, owner),
        };
      });
    },
  );

  app.post(
    '/link-codes',
    {
      preHandler: app.requireMember(),
      schema: {
        tags,
        summary: 'A one-time code that links another channel (send "link CODE" there) to this member',
        security: [{ bearerAuth: [] }],
        response: { 201: ZLinkCode, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const claims = request.claims!;
      const issued = await withTenant(db, claims.cid, (tx) => services.links.issue(tx, claims.sub));
      return reply.code(201).send({ code: issued.code, expiresAt: issued.expiresAt.toISOString() });
    },
  );
};
