import { timingSafeEqual } from 'node:crypto';
import type { ConnectionOf } from '@companero/channels/connection-types';
import { connectionsRepository } from '@companero/channels/connections.repository';
import { createTelegramApi } from '@companero/channels/telegram/telegram-api';
import { AppError, notFound } from '@companero/core/errors/app-error';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { Runtime } from '@companero/db/runtime';
import { withAppRole, withTenant } from '@companero/db/tenant';
import { z } from 'zod';
import { parseTelegramUpdate, ZTelegramUpdate } from '../adapters/telegram-update';
import type { ChannelServices } from '../channel-services';

const ZConnectionParams = z.object({ connectionId: z.uuid() });

/**
 * Telegram webhook: the secret token set with setWebhook must come back in X-Telegram-Bot-Api-Secret-Token
 * (403 otherwise); the update is stored before the 200, and a repeated update_id has one effect.
 */
export const telegramWebhookRoutes = async (
  app: HttpApp,
  { services, runtime }: { services: ChannelServices; runtime: Runtime },
) => {
  app.post(
    '/telegram/:connectionId/webhook',
    {
      schema: {
        tags: ['channels'],
        summary: 'Telegram updates (X-Telegram-Bot-Api-Secret-Token)',
        params: ZConnectionParams,
        response: {
          200: z.object({ ok: z.literal(true), duplicate: z.boolean() }),
          ...problemResponses(400, 403, 404, 422),
        },
      },
    },
    async (request) => {
      const connectionId = request.params.connectionId;
      const connection = (await withAppRole(
        runtime.db,
        (tx) => connectionsRepository.findForWebhook(tx, connectionId, runtime.secretBox),
        { channelConnectionId: connectionId },
      )) as ConnectionOf<'telegram'> | null;
      if (connection?.channel !== 'telegram' || connection.status === 'disabled')
        throw notFound('Telegram connection');
      const header = request.headers['x-telegram-bot-api-secret-token'];
      const given = Buffer.from(typeof header === 'string' ? header : '');
      const expected = Buffer.from(connection.secrets.webhookSecret);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        request.log.warn({ connectionId }, 'Telegram webhook with a wrong secret token refused');
        throw new AppError('INVALID_WEBHOOK_SECRET', {
          message: 'X-Telegram-Bot-Api-Secret-Token does not match.',
        });
      }
      const update = ZTelegramUpdate.safeParse(request.body);
      if (!update.success) {
        request.log.warn({ connectionId }, 'Telegram update of an unknown shape');
        throw new AppError('VALIDATION_FAILED', {
          message: 'The body is not a Telegram Update.',
          errors: update.error.issues.map((issue) => ({
            path: issue.path.join('.'),
            message: issue.message,
          })),
        });
      }
      const parsed = parseTelegramUpdate(update.data, connection.settings.botId);
      let duplicate = false;
      if (parsed.message) {
        const outcome = await services.inbound.receive(connection.creatorId, {
          ...parsed.message,
          connectionId,
        });
        duplicate = outcome.duplicate;
      }
      // Every update counts as the connection's last event (the hub shows it), messages included.
      await withTenant(runtime.db, connection.creatorId, (tx) =>
        connectionsRepository.recordEvent(tx, connectionId),
      );
      if (parsed.callbackQueryId) {
        // Stops the button's spinner; best effort, after the update is durable.
        void createTelegramApi(connection.secrets.botToken, connection.settings.apiBaseUrl)
          .answerCallbackQuery(parsed.callbackQueryId)
          .catch(() => {});
      }
      return { ok: true as const, duplicate };
    },
  );
};
