import {
  ZAtRiskQuery,
  ZAtRiskResponse,
  ZCreateHabit,
  ZHabit,
  ZHabitListResponse,
  ZHabitParams,
  ZHabitProgressQuery,
  ZMemberProgress,
  ZScanQueued,
  ZUpdateHabit,
} from '@companero/contracts/creator-hub/habits';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { HubServices } from '../hub-services';

/** The creator's habits (templates), the members at risk, and a member's progress. */
export const habitsRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['habits'];
  const security = [{ bearerAuth: [] }];
  const read = app.requireStaff('viewer');
  // Habits are content, like programs: editors define them.
  const edit = app.requireStaff('editor');

  app.get(
    '/habits',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'The creator’s habit templates',
        security,
        response: { 200: ZHabitListResponse, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.habits.list(staffContext(request)),
  );

  app.post(
    '/habits',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Define a habit members can adopt',
        description:
          'Schedule: daily, N times a week, or chosen weekdays. Offered to every member, or (isOfferedToAll: false) to members of the listed programs.',
        security,
        body: ZCreateHabit,
        response: { 201: ZHabit, ...problemResponses(401, 403, 422) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.habits.create(staffContext(request), request.body)),
  );

  app.get(
    '/habits/at-risk',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Members the nightly scan flagged, with why',
        description:
          'A habit is at risk after `atRisk.missedDays` scheduled occurrences in a row without a check-in, or when the last two weeks’ adherence fell `atRisk.adherenceDrop` below the two weeks before and is at most `atRisk.adherenceFloor` (gamification settings).',
        security,
        querystring: ZAtRiskQuery,
        response: { 200: ZAtRiskResponse, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.habits.atRisk(staffContext(request), request.query),
  );

  app.post(
    '/habits/at-risk/scan',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Run the at-risk scan now (a durable job)',
        security,
        response: { 202: ZScanQueued, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => reply.code(202).send(await services.habits.requestScan(staffContext(request))),
  );

  app.patch(
    '/habits/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Change a habit',
        description:
          'A new schedule applies to the whole history of every adoption: streaks are recomputed with it.',
        security,
        params: ZHabitParams,
        body: ZUpdateHabit,
        response: { 200: ZHabit, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.habits.update(staffContext(request), request.params.id, request.body),
  );

  app.delete(
    '/habits/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Archive a habit',
        description:
          'It leaves the catalog and every adoption ends; check-ins, points and achievements stay.',
        security,
        params: ZHabitParams,
        response: { 204: z.null(), ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await services.habits.archive(staffContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/members/:id/progress',
    {
      preHandler: read,
      schema: {
        tags: ['habits', 'members'],
        summary: 'A member’s habits, streaks, adherence, calendar, points, level and achievements',
        security,
        params: ZHabitParams,
        querystring: ZHabitProgressQuery,
        response: { 200: ZMemberProgress, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) =>
      services.habits.memberProgress(staffContext(request), request.params.id, request.query),
  );
};
