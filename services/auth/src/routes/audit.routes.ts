import { ZAuditQuery, ZAuditResponse } from '@companero/contracts/auth/audit';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { AuthServices } from '../auth-services';

export const auditRoutes = async (app: HttpApp, { services }: { services: AuthServices }) => {
  app.get(
    '/audit',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags: ['audit'],
        summary: 'The creator’s audit log, newest first',
        security: [{ bearerAuth: [] }],
        querystring: ZAuditQuery,
        response: { 200: ZAuditResponse, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.audit.list(staffContext(request), request.query),
  );
};
