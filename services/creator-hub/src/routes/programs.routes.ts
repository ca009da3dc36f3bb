import {
  ZCreateProgram,
  ZDeleteProgramQuery,
  ZProactiveSettings,
  ZProgram,
  ZProgramListResponse,
  ZProgramParams,
  ZProgramProblem,
  ZProgramValidation,
  ZProgramVersionListResponse,
  ZPublishProgramResult,
  ZSimulateProgram,
  ZSimulateProgramQuery,
  ZSimulationResult,
  ZUpdateProgram,
} from '@companero/contracts/creator-hub/programs';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { HubServices } from '../hub-services';

export const programsRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['programs'];
  const security = [{ bearerAuth: [] }];
  const read = app.requireStaff('viewer');
  // API.md: editors change content, and programs are content (like knowledge and the persona).
  const edit = app.requireStaff('editor');
  const graphProblem = { 422: ZProgramProblem };

  app.get(
    '/programs',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'The creator’s programs',
        security,
        response: { 200: ZProgramListResponse, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.programs.list(staffContext(request)),
  );

  app.post(
    '/programs',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Create a program draft',
        description:
          'The graph is checked against the ProgramGraph schema, its size limit and its references (edges to existing nodes and exits); a 422 names the node or edge. Structural issues (unreachable nodes, open exits…) are allowed in a draft: validate reports them and they block publishing.',
        security,
        body: ZCreateProgram,
        response: { 201: ZProgram, ...problemResponses(401, 403), ...graphProblem },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.programs.create(staffContext(request), request.body)),
  );

  app.get(
    '/programs/settings/proactive',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Proactive sending rules: quiet hours, daily cap, channel order, (un)subscribe keywords',
        security,
        response: { 200: ZProactiveSettings, ...problemResponses(401, 403) },
      },
    },
    async (request) => services.programs.getProactiveSettings(staffContext(request)),
  );

  app.put(
    '/programs/settings/proactive',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Replace the proactive sending rules (absent fields take their defaults)',
        security,
        body: ZProactiveSettings,
        response: { 200: ZProactiveSettings, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.programs.putProactiveSettings(staffContext(request), request.body),
  );

  app.get(
    '/programs/:id',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'A program with its draft graph and revision',
        security,
        params: ZProgramParams,
        response: { 200: ZProgram, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.programs.get(staffContext(request), request.params.id),
  );

  app.put(
    '/programs/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Edit name, description or draft graph',
        description:
          'Partial: absent fields stay. A changed graph bumps `revision`; send the revision the edit is based on and a stale one answers 409 instead of overwriting someone else’s save.',
        security,
        params: ZProgramParams,
        body: ZUpdateProgram,
        response: { 200: ZProgram, ...problemResponses(401, 403, 404, 409), ...graphProblem },
      },
    },
    async (request) => services.programs.update(staffContext(request), request.params.id, request.body),
  );

  app.delete(
    '/programs/:id',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Delete a program with its versions and enrollment history',
        description:
          'With members still in the program (active or waiting) it answers 409, unless `force=true`: their enrollments end with the program.',
        security,
        params: ZProgramParams,
        querystring: ZDeleteProgramQuery,
        response: { 204: z.null(), ...problemResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await services.programs.delete(staffContext(request), request.params.id, {
        force: request.query.force,
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/programs/:id/validate',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Every problem of the draft that would block publishing',
        description:
          'The shared graph rules (one start, connected exits, reachable nodes, loops that wait, known variables) plus goto_program targets among this creator’s programs and webhook URLs that resolve to public addresses.',
        security,
        params: ZProgramParams,
        response: { 200: ZProgramValidation, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.programs.validate(staffContext(request), request.params.id),
  );

  app.post(
    '/programs/:id/publish',
    {
      preHandler: edit,
      schema: {
        tags,
        summary: 'Freeze the draft as the next version',
        description:
          '201 with the new version; 200 with the latest version when the draft has not changed since it was published; 422 with the same errors as validate.',
        security,
        params: ZProgramParams,
        response: {
          200: ZPublishProgramResult,
          201: ZPublishProgramResult,
          ...problemResponses(401, 403, 404, 409),
          ...graphProblem,
        },
      },
    },
    async (request, reply) => {
      const { version, created } = await services.programs.publish(staffContext(request), request.params.id);
      return reply.code(created ? 201 : 200).send({ version });
    },
  );

  app.get(
    '/programs/:id/versions',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Published versions, newest first, with their enrollment counts',
        security,
        params: ZProgramParams,
        response: { 200: ZProgramVersionListResponse, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.programs.versions(staffContext(request), request.params.id),
  );

  app.post(
    '/programs/:id/simulate',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Walk the draft (or `?version=N`) for a sample member on a simulated clock',
        description:
          'Waits advance the simulated clock; ask nodes take the scripted replies in order, then their timeout. Nothing is sent, no AI runs (ai branches match the words of their intent) and no webhook is called.',
        security,
        params: ZProgramParams,
        querystring: ZSimulateProgramQuery,
        body: ZSimulateProgram,
        response: { 200: ZSimulationResult, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) =>
      services.programs.simulate(staffContext(request), request.params.id, request.body, {
        ...(request.query.version !== undefined ? { version: request.query.version } : {}),
      }),
  );
};
