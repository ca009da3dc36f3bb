import {
  ZAccountExport,
  ZEraseAccountRequest,
  ZEraseAccountResponse,
} from '@companero/contracts/auth/account-data';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { AuthServices } from '../auth-services';

export const accountDataRoutes = async (app: HttpApp, { services }: { services: AuthServices }) => {
  const tags = ['account data (GDPR)'];
  const security = [{ bearerAuth: [] }];

  app.get(
    '/me/export',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'Everything stored about the signed-in account',
        security,
        response: { 200: ZAccountExport, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      reply.header('content-disposition', 'attachment; filename="companero-account-export.json"');
      return services.accountData.export(staffContext(request));
    },
  );

  app.delete(
    '/me',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'Erase the signed-in account and its personal data',
        security,
        body: ZEraseAccountRequest,
        response: { 202: ZEraseAccountResponse, ...problemResponses(401, 403, 409, 422) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await services.accountData.erase(staffContext(request), request.body.password)),
  );
};
