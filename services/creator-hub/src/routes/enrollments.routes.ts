import {
  ZEnrollmentListQuery,
  ZEnrollmentListResponse,
  ZProgramEnrollmentParams,
  ZProgramEnrollmentsParams,
  ZProgramFunnelQuery,
  ZProgramMemberParams,
} from '@companero/contracts/creator-hub/enrollments';
import {
  ZEnrollMembers,
  ZEnrollResult,
  ZProgramFunnel,
  ZProgramStep,
} from '@companero/contracts/creator-hub/programs';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { EnrollmentsService } from '../services/enrollments.service';

/** Enrolling members in a program, following their enrollments, and the program's funnel. */
export const enrollmentsRoutes = async (
  app: HttpApp,
  { enrollments }: { enrollments: EnrollmentsService },
) => {
  const tags = ['programs'];
  const security = [{ bearerAuth: [] }];
  const read = app.requireStaff('viewer');
  const edit = app.requireStaff('editor');

  app.post(
    '/programs/:id/enrollments',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: "Enroll members in the program's latest published version",
        description:
          'Members already running the program are listed in alreadyEnrolled; unknown ids in notFound. 409 when the program was never published.',
        security,
        params: ZProgramEnrollmentsParams,
        body: ZEnrollMembers,
        response: { 200: ZEnrollResult, ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request) => enrollments.enroll(staffContext(request), request.params.id, request.body.memberIds),
  );

  app.get(
    '/programs/:id/enrollments',
    {
      preHandler: read,
      schema: {
        tags,
        summary: "The program's enrollments, newest first",
        security,
        params: ZProgramEnrollmentsParams,
        querystring: ZEnrollmentListQuery,
        response: { 200: ZEnrollmentListResponse, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => enrollments.list(staffContext(request), request.params.id, request.query),
  );

  app.delete(
    '/programs/:id/enrollments/:memberId',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: "Take a member out of the program (their running enrollment exits as 'unenrolled')",
        security,
        params: ZProgramMemberParams,
        response: { 204: z.null(), ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await enrollments.unenroll(staffContext(request), request.params.id, request.params.memberId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/programs/:id/funnel',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'How many enrollments entered, completed, dropped at and wait at each node of a version',
        security,
        params: ZProgramEnrollmentsParams,
        querystring: ZProgramFunnelQuery,
        response: { 200: ZProgramFunnel, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => enrollments.funnel(staffContext(request), request.params.id, request.query.version),
  );

  app.get(
    '/programs/:id/enrollments/:enrollmentId/steps',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Every step of one enrollment: what ran, what was sent or skipped, and why',
        security,
        params: ZProgramEnrollmentParams,
        response: {
          200: z.object({ items: z.array(ZProgramStep) }),
          ...problemResponses(401, 403, 404, 422),
        },
      },
    },
    async (request) =>
      enrollments.steps(staffContext(request), request.params.id, request.params.enrollmentId),
  );
};
