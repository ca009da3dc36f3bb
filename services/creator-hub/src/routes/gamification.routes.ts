import {
  ZAchievement,
  ZAchievementListResponse,
  ZAchievementParams,
  ZCreateAchievement,
  ZGamificationSettings,
  ZUpdateAchievement,
} from '@companero/contracts/creator-hub/gamification';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { HubServices } from '../hub-services';

/** Achievements the creator defines, and the gamification settings (points, levels, leaderboard, at-risk rule). */
export const gamificationRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['gamification'];
  const security = [{ bearerAuth: [] }];
  const read = app.requireStaff('viewer');
  const edit = app.requireStaff('editor');
  const ruleHelp =
    'The rule is one declarative condition (no code, so it always terminates): {event: checkin, count, habitId?}, {event: streak, count, habitId?}, {event: program_completed, programId?, count}, {event: program_step_completed, programId?, count}, {event: first_message}, {event: points, threshold}, {event: achievement, count, achievementIds?}. Unknown events or fields, unknown habits, programs or achievements, and achievement rules that require themselves (directly or in a cycle) answer 422. Each achievement is awarded once per member, at the first event that satisfies it.';

  app.get(
    '/achievements',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'The creator’s achievements',
        security,
        response: { 200: ZAchievementListResponse, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.gamification.listAchievements(staffContext(request)),
  );

  app.post(
    '/achievements',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Define an achievement',
        description: ruleHelp,
        security,
        body: ZCreateAchievement,
        response: { 201: ZAchievement, ...problemResponses(401, 403, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await services.gamification.createAchievement(staffContext(request), request.body)),
  );

  app.patch(
    '/achievements/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Change an achievement (members who hold it keep it)',
        description: ruleHelp,
        security,
        params: ZAchievementParams,
        body: ZUpdateAchievement,
        response: { 200: ZAchievement, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) =>
      services.gamification.updateAchievement(staffContext(request), request.params.id, request.body),
  );

  app.delete(
    '/achievements/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Delete an achievement and its awards (points paid stay)',
        description: '409 while another achievement’s rule lists it.',
        security,
        params: ZAchievementParams,
        response: { 204: z.null(), ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await services.gamification.deleteAchievement(staffContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/gamification/settings',
    {
      preHandler: read,
      schema: {
        tags,
        summary:
          'Points per event, streak milestones, levels, leaderboard, award announcements, at-risk rule',
        security,
        response: { 200: ZGamificationSettings, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.gamification.getSettings(staffContext(request)),
  );

  app.put(
    '/gamification/settings',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Replace the gamification settings (absent fields take their defaults)',
        security,
        body: ZGamificationSettings,
        response: { 200: ZGamificationSettings, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.gamification.putSettings(staffContext(request), request.body),
  );
};
