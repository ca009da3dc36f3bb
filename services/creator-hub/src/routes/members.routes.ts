import {
  ZBulkTagRequest,
  ZBulkTagResponse,
  ZEraseMemberResponse,
  ZImportReport,
  ZMemberDetail,
  ZMemberListQuery,
  ZMemberListResponse,
  ZMemberMessagesQuery,
  ZMemberMessagesResponse,
  ZMemberParams,
  ZUpdateMemberRequest,
} from '@companero/contracts/creator-hub/members';
import { staffContext } from '@companero/core/auth/auth.plugin';
import { AppError } from '@companero/core/errors/app-error';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { HubServices } from '../hub-services';

export const membersRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['members'];
  const security = [{ bearerAuth: [] }];

  app.get(
    '/members',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'Search and filter the audience',
        security,
        querystring: ZMemberListQuery,
        response: { 200: ZMemberListResponse, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.members.list(staffContext(request), request.query),
  );

  app.post(
    '/members/import',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Import members from a CSV (multipart field `file`)',
        description:
          'Header row: name,email,phone,tags,timezone; other columns become attributes. Tags are separated by ";".',
        security,
        consumes: ['multipart/form-data'],
        response: { 200: ZImportReport, ...problemResponses(400, 401, 403, 413, 415, 422) },
      },
    },
    async (request) => {
      if (!request.isMultipart())
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
          message: 'Send the CSV as multipart/form-data in a field named "file".',
        });
      const file = await request.file();
      if (file?.fieldname !== 'file') {
        throw new AppError('VALIDATION_FAILED', {
          message: 'Attach the CSV in a field named "file".',
          errors: [{ path: 'file', message: 'Required' }],
        });
      }
      return services.memberImport.importCsv(staffContext(request), await file.toBuffer());
    },
  );

  app.get(
    '/members/export.csv',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Every member as CSV',
        security,
        produces: ['text/csv'],
        response: { 200: z.string(), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const csv = await services.memberImport.exportCsv(staffContext(request));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="members.csv"')
        .send(csv);
    },
  );

  app.post(
    '/members/bulk-tag',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Add and remove tags on many members',
        security,
        body: ZBulkTagRequest,
        response: { 200: ZBulkTagResponse, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.members.bulkTag(staffContext(request), request.body),
  );

  app.get(
    '/members/:id',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'A member with identities and conversations',
        security,
        params: ZMemberParams,
        response: { 200: ZMemberDetail, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => services.members.get(staffContext(request), request.params.id),
  );

  app.patch(
    '/members/:id',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Edit name, tags, notes or timezone',
        security,
        params: ZMemberParams,
        body: ZUpdateMemberRequest,
        response: { 200: ZMemberDetail, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.members.update(staffContext(request), request.params.id, request.body),
  );

  app.get(
    '/members/:id/messages',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'The member’s transcript across channels, oldest first',
        security,
        params: ZMemberParams,
        querystring: ZMemberMessagesQuery,
        response: { 200: ZMemberMessagesResponse, ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request) => services.members.messages(staffContext(request), request.params.id, request.query),
  );

  app.get(
    '/members/:id/export',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'GDPR copy of everything stored about the member',
        security,
        params: ZMemberParams,
        response: { 200: z.record(z.string(), z.unknown()), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      reply.header('content-disposition', `attachment; filename="member-${request.params.id}.json"`);
      return services.memberData.export(staffContext(request), request.params.id);
    },
  );

  app.delete(
    '/members/:id',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Erase the member everywhere (a durable job)',
        security,
        params: ZMemberParams,
        response: { 202: ZEraseMemberResponse, ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(await services.memberData.requestErasure(staffContext(request), request.params.id)),
  );
};
