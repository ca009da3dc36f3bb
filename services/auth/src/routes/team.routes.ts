import {
  ZAcceptInvitationRequest,
  ZAcceptInvitationResponse,
  ZChangeRoleRequest,
  ZInviteRequest,
  ZInviteResponse,
  ZTeammate,
  ZTeammateParams,
  ZTeamResponse,
} from '@companero/contracts/auth/team';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { AuthServices } from '../auth-services';
import { requestMeta } from './request-meta';

export const teamRoutes = async (
  app: HttpApp,
  { services, loginPerIpPerMinute }: { services: AuthServices; loginPerIpPerMinute: number },
) => {
  const tags = ['team'];
  const security = [{ bearerAuth: [] }];

  app.get(
    '/team',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'The team and its pending invitations',
        security,
        response: { 200: ZTeamResponse, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.team.list(staffContext(request)),
  );

  app.post(
    '/team',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Add an existing account to the team, or email an invitation',
        security,
        body: ZInviteRequest,
        response: { 201: ZInviteResponse, ...problemResponses(401, 403, 409, 422) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.team.invite(staffContext(request), request.body)),
  );

  app.patch(
    '/team/:accountId',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Change a teammate’s role',
        security,
        params: ZTeammateParams,
        body: ZChangeRoleRequest,
        response: { 200: ZTeammate, ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) =>
      services.team.changeRole(staffContext(request), request.params.accountId, request.body.role),
  );

  app.delete(
    '/team/:accountId',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'Remove a teammate (admin), or leave the team (yourself)',
        security,
        params: ZTeammateParams,
        response: { 204: z.null().describe('Removed'), ...problemResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await services.team.remove(staffContext(request), request.params.accountId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/invitations/accept',
    {
      config: { rateLimit: { max: loginPerIpPerMinute, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Accept a team invitation (creates the account if needed) and sign in',
        body: ZAcceptInvitationRequest,
        response: { 200: ZAcceptInvitationResponse, ...problemResponses(401, 422, 429) },
      },
    },
    async (request) => services.team.acceptInvitation(request.body, requestMeta(request)),
  );
};
