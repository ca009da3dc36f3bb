import { ZCreatorSettings, ZUpdateCreatorSettings } from '@companero/contracts/creator-hub/settings';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { HubServices } from '../hub-services';

export const settingsRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['settings'];
  const security = [{ bearerAuth: [] }];
  app.get(
    '/settings',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'The creator’s name, handle and time zone',
        security,
        response: { 200: ZCreatorSettings, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.settings.get(staffContext(request)),
  );
  app.patch(
    '/settings',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Change name, handle or time zone',
        security,
        body: ZUpdateCreatorSettings,
        response: { 200: ZCreatorSettings, ...problemResponses(401, 403, 409, 422) },
      },
    },
    async (request) => services.settings.update(staffContext(request), request.body),
  );
};
