import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConnectionOf } from '@companero/channels/connection-types';
import { connectionsRepository } from '@companero/channels/connections.repository';
import { deliveriesRepository } from '@companero/channels/deliveries.repository';
import { AppError, notFound } from '@companero/core/errors/app-error';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { Runtime } from '@companero/db/runtime';
import { withAppRole, withTenant } from '@companero/db/tenant';
import { z } from 'zod';
import { parseWhatsAppWebhook, ZWhatsAppWebhook } from '../adapters/whatsapp-payload';
import type { ChannelServices } from '../channel-services';
import { messagesRepository } from '../repositories/messages.repository';
import { keepRawJsonBody } from './raw-json-body';

const ZConnectionParams = z.object({ connectionId: z.uuid() });
const ZVerifyQuery = z.looseObject({
  'hub.mode': z.string().optional(),
  'hub.verify_token': z.string().optional(),
  'hub.challenge': z.string().max(200).optional(),
});

const signatureMatches = (header: string | undefined, body: Buffer, appSecret: string): boolean => {
  if (!header?.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', appSecret).update(body).digest('hex'));
  const actual = Buffer.from(header.slice('sha256='.length).toLowerCase());
  return expected.length === actual.length && timingSafeEqual(expected, actual);
};

/**
 * WhatsApp Cloud API webhooks. GET is Meta's subscription check; POST carries messages and delivery
 * statuses, signed with the app secret over the raw body. The answer is 200 only once every message in it is
 * stored (Meta retries otherwise, and repeated message ids have one effect).
 */
export const whatsappWebhookRoutes = async (
  app: HttpApp,
  { services, runtime }: { services: ChannelServices; runtime: Runtime },
) => {
  keepRawJsonBody(app);
  const tags = ['channels'];

  const loadConnection = async (connectionId: string) => {
    const connection = await withAppRole(
      runtime.db,
      (tx) => connectionsRepository.findForWebhook(tx, connectionId, runtime.secretBox),
      { channelConnectionId: connectionId },
    );
    if (connection?.channel !== 'whatsapp' || connection.status === 'disabled')
      throw notFound('WhatsApp connection');
    return connection as ConnectionOf<'whatsapp'>;
  };

  app.get(
    '/whatsapp/:connectionId/webhook',
    {
      schema: {
        tags,
        summary: "Meta's webhook verification: answers hub.challenge when hub.verify_token matches",
        params: ZConnectionParams,
        querystring: ZVerifyQuery,
        response: { 200: z.string(), ...problemResponses(403, 404, 422) },
      },
    },
    async (request, reply) => {
      const connection = await loadConnection(request.params.connectionId);
      const query = request.query;
      const token = Buffer.from(query['hub.verify_token'] ?? '');
      const expected = Buffer.from(connection.secrets.verifyToken);
      if (
        query['hub.mode'] !== 'subscribe' ||
        token.length !== expected.length ||
        !timingSafeEqual(token, expected)
      ) {
        request.log.warn({ connectionId: connection.id }, 'WhatsApp webhook verification refused');
        throw new AppError('FORBIDDEN', { message: 'The verify token does not match this connection.' });
      }
      return reply.type('text/plain').send(query['hub.challenge'] ?? '');
    },
  );

  app.post(
    '/whatsapp/:connectionId/webhook',
    {
      schema: {
        tags,
        summary: 'WhatsApp messages and statuses (X-Hub-Signature-256 over the raw body)',
        params: ZConnectionParams,
        response: {
          200: z.object({
            received: z.number().int(),
            duplicates: z.number().int(),
            receipts: z.number().int(),
          }),
          ...problemResponses(400, 401, 404, 422),
        },
      },
    },
    async (request) => {
      const connection = await loadConnection(request.params.connectionId);
      const signature = request.headers['x-hub-signature-256'];
      if (
        !request.rawBody ||
        !signatureMatches(
          typeof signature === 'string' ? signature : undefined,
          request.rawBody,
          connection.secrets.appSecret,
        )
      ) {
        request.log.warn(
          { connectionId: connection.id, signed: Boolean(signature) },
          'WhatsApp webhook with a bad signature refused',
        );
        throw new AppError('INVALID_SIGNATURE', { message: 'X-Hub-Signature-256 does not match the body.' });
      }
      const payload = ZWhatsAppWebhook.safeParse(request.body);
      if (!payload.success) {
        request.log.warn({ connectionId: connection.id }, 'WhatsApp webhook payload of an unknown shape');
        throw new AppError('VALIDATION_FAILED', {
          message: 'The payload is not a WhatsApp Business Account webhook.',
          errors: payload.error.issues.map((issue) => ({
            path: issue.path.join('.'),
            message: issue.message,
          })),
        });
      }
      const parsed = parseWhatsAppWebhook(payload.data, connection.settings.phoneNumberId);
      let duplicates = 0;
      for (const message of parsed.messages) {
        const outcome = await services.inbound.receive(connection.creatorId, {
          ...message,
          connectionId: connection.id,
        });
        if (outcome.duplicate) duplicates += 1;
      }
      if (parsed.receipts.length > 0 || parsed.messages.length > 0) {
        await withTenant(runtime.db, connection.creatorId, async (tx) => {
          for (const receipt of parsed.receipts) {
            await messagesRepository.recordReceipt(tx, 'whatsapp', receipt.providerMessageId, receipt.status);
            if (receipt.status === 'failed')
              await deliveriesRepository.failByProviderId(
                tx,
                'whatsapp',
                receipt.providerMessageId,
                receipt.error ?? 'failed',
              );
          }
          await connectionsRepository.recordEvent(tx, connection.id);
        });
      }
      if (parsed.skipped > 0)
        request.log.info(
          { connectionId: connection.id, skipped: parsed.skipped },
          'WhatsApp changes for other numbers or fields skipped',
        );
      return { received: parsed.messages.length, duplicates, receipts: parsed.receipts.length };
    },
  );
};
