import { ZFeedbackRequest, ZMessageParams } from '@companero/contracts/ai-engine/ask';
import {
  ZConversation,
  ZConversationListQuery,
  ZConversationListResponse,
  ZConversationParams,
  ZMessagesQuery,
  ZMessagesResponse,
} from '@companero/contracts/ai-engine/conversations';
import { signedInContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { AiEngineServices } from '../ai-engine-services';

export const conversationsRoutes = async (app: HttpApp, { services }: { services: AiEngineServices }) => {
  const tags = ['conversations'];
  const security = [{ bearerAuth: [] }];
  const guard = app.requireSignedIn();

  app.get(
    '/conversations',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Conversations, most recent first (members see their own)',
        security,
        querystring: ZConversationListQuery,
        response: { 200: ZConversationListResponse, ...problemResponses(401, 422) },
      },
    },
    async (request) => services.conversations.list(signedInContext(request), request.query),
  );
  app.get(
    '/conversations/:id',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'One conversation',
        security,
        params: ZConversationParams,
        response: { 200: ZConversation, ...problemResponses(401, 404) },
      },
    },
    async (request) => services.conversations.get(signedInContext(request), request.params.id),
  );
  app.get(
    '/conversations/:id/messages',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Messages of a conversation, oldest first',
        security,
        params: ZConversationParams,
        querystring: ZMessagesQuery,
        response: { 200: ZMessagesResponse, ...problemResponses(401, 404, 422) },
      },
    },
    async (request) =>
      services.conversations.messages(signedInContext(request), request.params.id, request.query),
  );
  app.post(
    '/messages/:id/feedback',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Thumbs up or down on an answer',
        security,
        params: ZMessageParams,
        body: ZFeedbackRequest,
        response: { 204: z.null(), ...problemResponses(401, 404, 422) },
      },
    },
    async (request, reply) => {
      await services.conversations.feedback(signedInContext(request), request.params.id, request.body);
      return reply.code(204).send(null);
    },
  );
};
