import {
  ZChannelConnection,
  ZCreatedConnection,
  ZDelivery,
  ZDeliveryStatus,
  ZTelegramConnectionInput,
  ZWhatsAppConnectionInput,
} from '@companero/contracts/channel/connections';
import { ZWidgetSettings, ZWidgetSettingsInput } from '@companero/contracts/channel/widget';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import { z } from 'zod';
import type { HubServices } from '../hub-services';

const ZIdParams = z.object({ id: z.uuid() });
const ZDeliveriesQuery = z.object({
  status: ZDeliveryStatus.optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

/** Channel connections (admins manage them; every role can read), the widget's settings, and dead letters. */
export const channelsRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['channels'];
  const security = [{ bearerAuth: [] }];
  app.get(
    '/channels',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'Connected channels and the widget settings (secrets are never returned)',
        security,
        response: {
          200: z.object({ items: z.array(ZChannelConnection), widget: ZWidgetSettings }),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request) => services.channels.list(staffContext(request)),
  );
  app.post(
    '/channels/whatsapp',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Connect a WhatsApp Cloud API phone number; set the answered webhookUrl in Meta’s dashboard',
        security,
        body: ZWhatsAppConnectionInput,
        response: { 201: ZCreatedConnection, ...problemResponses(401, 403, 409, 422) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.channels.connectWhatsApp(staffContext(request), request.body)),
  );
  app.post(
    '/channels/telegram',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Connect a Telegram bot: checks the token and registers the webhook with Telegram',
        security,
        body: ZTelegramConnectionInput,
        response: { 201: ZCreatedConnection, ...problemResponses(401, 403, 409, 422, 502) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.channels.connectTelegram(staffContext(request), request.body)),
  );
  app.put(
    '/channels/widget',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'The web widget’s theme and the origins allowed to open sessions',
        security,
        body: ZWidgetSettingsInput,
        response: { 200: ZWidgetSettings, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.channels.saveWidget(staffContext(request), request.body),
  );
  app.post(
    '/channels/widget/identity-secret',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Create or rotate the widget identity secret (shown once) for signed member identities',
        security,
        response: { 201: z.object({ secret: z.string() }), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.channels.rotateIdentitySecret(staffContext(request))),
  );
  app.delete(
    '/channels/:id',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Disconnect a channel (Telegram is told to stop sending updates)',
        security,
        params: ZIdParams,
        response: { 204: z.null(), ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await services.channels.remove(staffContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/channels/deliveries',
    {
      preHandler: app.requireStaff('viewer'),
      schema: {
        tags,
        summary: 'The outbound queue, newest first (status=dead lists the dead letters)',
        security,
        querystring: ZDeliveriesQuery,
        response: {
          200: z.object({ items: z.array(ZDelivery), nextCursor: z.string().nullable() }),
          ...problemResponses(401, 403, 422),
        },
      },
    },
    async (request) => services.channels.deliveries(staffContext(request), request.query),
  );
  app.post(
    '/channels/deliveries/:id/retry',
    {
      preHandler: app.requireStaff('admin'),
      schema: {
        tags,
        summary: 'Send a dead, failed or waiting message again',
        security,
        params: ZIdParams,
        response: { 202: z.object({ status: z.literal('queued') }), ...problemResponses(401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await services.channels.retryDelivery(staffContext(request), request.params.id);
      return reply.code(202).send({ status: 'queued' as const });
    },
  );
};
