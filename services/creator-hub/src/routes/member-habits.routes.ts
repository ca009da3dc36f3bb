import { ZLeaderboard } from '@companero/contracts/creator-hub/gamification';
import {
  ZAdoptHabit,
  ZCheckInResult,
  ZCreateCheckIn,
  ZHabitParams,
  ZHabitProgress,
  ZHabitProgressQuery,
  ZMemberAchievementsResponse,
  ZMemberHabit,
  ZMemberHabitsResponse,
  ZMemberProfile,
  ZMemberProgress,
  ZUpdateMemberHabit,
  ZUpdateMemberProfile,
} from '@companero/contracts/creator-hub/habits';
import { memberContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { HubServices } from '../hub-services';

/** The member's habits, check-ins, progress, achievements, leaderboard and profile (member tokens, /api/me). */
export const memberHabitsRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['member habits'];
  const security = [{ bearerAuth: [] }];
  const member = app.requireMember();

  app.get(
    '/habits',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'My habits with today’s state, and the habits I can adopt',
        security,
        response: { 200: ZMemberHabitsResponse, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => services.memberHabits.list(memberContext(request)),
  );

  app.post(
    '/habits',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'Adopt a habit (201; 200 when already adopted)',
        description: 'A habit I left before is adopted again: its history stays and the streak starts today.',
        security,
        body: ZAdoptHabit,
        response: { 200: ZMemberHabit, 201: ZMemberHabit, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { isNew, habit } = await services.memberHabits.adopt(memberContext(request), request.body);
      return reply.code(isNew ? 201 : 200).send(habit);
    },
  );

  app.patch(
    '/habits/:id',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'Set my own reminder time for a habit (null: the habit’s)',
        security,
        params: ZHabitParams,
        body: ZUpdateMemberHabit,
        response: { 200: ZMemberHabit, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) =>
      services.memberHabits.setReminder(memberContext(request), request.params.id, request.body.reminderTime),
  );

  app.delete(
    '/habits/:id',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'Leave a habit (its check-ins and points stay)',
        security,
        params: ZHabitParams,
        response: { 204: z.null(), ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await services.memberHabits.leave(memberContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/habits/:id/check-ins',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'Check in (201; 200 with the existing check-in when this occurrence already has one)',
        description:
          'One check-in per habit and member-local date, from any channel. `date` defaults to today in my time zone; a future date, one more than 7 days back or before I adopted the habit answers 422. A habit I have not adopted answers 404. Retries with the same `clientId` answer the first result.',
        security,
        params: ZHabitParams,
        body: ZCreateCheckIn,
        response: { 200: ZCheckInResult, 201: ZCheckInResult, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const result = await services.memberHabits.checkIn(
        memberContext(request),
        request.params.id,
        request.body,
      );
      return reply.code(result.isNew ? 201 : 200).send(result);
    },
  );

  app.get(
    '/habits/:id/progress',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'One habit: streak, adherence per week and check-ins from `from` to `to`',
        security,
        params: ZHabitParams,
        querystring: ZHabitProgressQuery,
        response: { 200: ZHabitProgress, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) =>
      services.memberHabits.habitProgress(memberContext(request), request.params.id, request.query),
  );

  app.get(
    '/progress',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'My Progress screen: streaks, weekly adherence, calendar, points, level, achievements',
        security,
        querystring: ZHabitProgressQuery,
        response: { 200: ZMemberProgress, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.memberHabits.progress(memberContext(request), request.query),
  );

  app.get(
    '/achievements',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'Every achievement of my coach, unlocked ones first',
        security,
        response: { 200: ZMemberAchievementsResponse, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => services.memberHabits.achievements(memberContext(request)),
  );

  app.get(
    '/leaderboard',
    {
      preHandler: member,
      schema: {
        tags,
        summary:
          'The leaderboard (opt-in members by their chosen display names), when the creator enabled it',
        security,
        response: { 200: ZLeaderboard, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => services.memberHabits.leaderboard(memberContext(request)),
  );

  app.get(
    '/profile',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'My display name, leaderboard opt-in, time zone, points and level',
        security,
        response: { 200: ZMemberProfile, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => services.memberHabits.profile(memberContext(request)),
  );

  app.patch(
    '/profile',
    {
      preHandler: member,
      schema: {
        tags,
        summary: 'Change my display name, leaderboard opt-in or time zone',
        description: 'Appearing on the leaderboard needs a display name; an unknown time zone answers 422.',
        security,
        body: ZUpdateMemberProfile,
        response: { 200: ZMemberProfile, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.memberHabits.updateProfile(memberContext(request), request.body),
  );
};
