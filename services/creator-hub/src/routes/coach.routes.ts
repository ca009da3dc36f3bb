import { ZCoachPersona } from '@companero/contracts/creator-hub/coach';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { HubServices } from '../hub-services';

export const coachRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['coach'];
  const security = [{ bearerAuth: [] }];
  app.get(
    '/coach',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'The coach persona',
        security,
        response: { 200: ZCoachPersona, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.coach.get(staffContext(request)),
  );
  app.put(
    '/coach',
    {
      preHandler: app.requireStaff('editor'),
      schema: {
        tags,
        summary: 'Replace the coach persona',
        security,
        body: ZCoachPersona,
        response: { 200: ZCoachPersona, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.coach.put(staffContext(request), request.body),
  );
};
