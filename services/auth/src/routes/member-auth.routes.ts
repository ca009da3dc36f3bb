import {
  ZMemberCodeRequest,
  ZMemberCodeResponse,
  ZMemberVerifyRequest,
  ZMemberVerifyResponse,
} from '@companero/contracts/auth/member-sign-in';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { AuthServices } from '../auth-services';
import { requestMeta } from './request-meta';

export const memberAuthRoutes = async (
  app: HttpApp,
  { services, codesPerIpPerMinute }: { services: AuthServices; codesPerIpPerMinute: number },
) => {
  const tags = ['member sign-in'];
  const limit = { rateLimit: { max: codesPerIpPerMinute, timeWindow: 60_000 } };

  app.post(
    '/members/code',
    {
      config: limit,
      schema: {
        tags,
        summary: 'Email a one-time sign-in code to a member',
        body: ZMemberCodeRequest,
        response: { 202: ZMemberCodeResponse, ...problemResponses(404, 422, 429) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await services.memberAuth.requestCode(request.body, requestMeta(request))),
  );

  app.post(
    '/members/verify',
    {
      config: limit,
      schema: {
        tags,
        summary: 'Exchange the one-time code for member tokens',
        body: ZMemberVerifyRequest,
        response: { 200: ZMemberVerifyResponse, ...problemResponses(401, 404, 422, 429) },
      },
    },
    async (request) => services.memberAuth.verify(request.body, requestMeta(request)),
  );
};
