import {
  ZLoginRequest,
  ZLoginResponse,
  ZLogoutRequest,
  ZMeResponse,
  ZRefreshRequest,
  ZSwitchRequest,
} from '@companero/contracts/auth/login';
import { ZRegisterRequest, ZRegisterResponse } from '@companero/contracts/auth/register';
import { ZStaffRole, ZTokenPair } from '@companero/contracts/auth/session';
import { signedInContext, staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { AuthServices } from '../auth-services';
import { requestMeta } from './request-meta';

export const authRoutes = async (
  app: HttpApp,
  { services, loginPerIpPerMinute }: { services: AuthServices; loginPerIpPerMinute: number },
) => {
  const tags = ['auth'];
  const sensitive = { rateLimit: { max: loginPerIpPerMinute, timeWindow: 60_000 } };

  app.post(
    '/register',
    {
      config: sensitive,
      schema: {
        tags,
        summary: 'Create an account that owns a new creator',
        body: ZRegisterRequest,
        response: { 201: ZRegisterResponse, ...problemResponses(400, 409, 422, 429) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.accounts.register(request.body, requestMeta(request))),
  );

  app.post(
    '/login',
    {
      config: sensitive,
      schema: {
        tags,
        summary: 'Sign in with email and password',
        body: ZLoginRequest,
        response: { 200: ZLoginResponse, ...problemResponses(400, 401, 403, 422, 429) },
      },
    },
    async (request) => services.accounts.login(request.body, requestMeta(request)),
  );

  app.post(
    '/refresh',
    {
      config: sensitive,
      schema: {
        tags,
        summary: 'Exchange a refresh token for new tokens (each refresh token works once)',
        body: ZRefreshRequest,
        response: { 200: ZTokenPair, ...problemResponses(401, 422, 429) },
      },
    },
    async (request) => services.sessions.refresh(request.body.refreshToken, requestMeta(request)),
  );

  app.post(
    '/logout',
    {
      preHandler: app.requireSignedIn(),
      schema: {
        tags,
        summary: 'Sign out the session of this refresh token',
        security: [{ bearerAuth: [] }],
        body: ZLogoutRequest,
        response: { 204: z.null().describe('Signed out'), ...problemResponses(401, 422) },
      },
    },
    async (request, reply) => {
      const ctx = signedInContext(request);
      await services.sessions.logout(request.body.refreshToken, { ...ctx, accountOrMemberId: ctx.actor.id });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/switch',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'Tokens for another creator this account belongs to',
        security: [{ bearerAuth: [] }],
        body: ZSwitchRequest,
        response: {
          200: ZTokenPair.extend({ creatorId: z.uuid(), role: ZStaffRole }),
          ...problemResponses(401, 403, 404, 422),
        },
      },
    },
    async (request) => services.accounts.switchCreator(staffContext(request), request.body.creatorId),
  );

  app.get(
    '/me',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'The signed-in account and its memberships',
        security: [{ bearerAuth: [] }],
        response: { 200: ZMeResponse, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.accounts.me(staffContext(request)),
  );
};
