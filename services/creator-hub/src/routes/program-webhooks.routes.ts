import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { HubServices } from '../hub-services';

/** The signing secret of program webhook nodes (receivers verify `Companero-Signature` with it). */
export const programWebhooksRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  app.post(
    '/programs/settings/webhook-secret',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags: ['programs'],
        summary:
          'Create or rotate the secret that signs program webhook calls (shown once). Receivers check `Companero-Signature: t=…,v1=…` = HMAC-SHA256 of "t.body"',
        security: [{ bearerAuth: [] }],
        response: { 201: z.object({ secret: z.string() }), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.programWebhooks.rotateSecret(staffContext(request))),
  );
};
