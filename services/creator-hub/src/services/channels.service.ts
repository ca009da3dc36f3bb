import { randomBytes, randomUUID } from 'node:crypto';
import {
  defaultTelegramApiBaseUrl,
  defaultWhatsAppApiBaseUrl,
  defaultWhatsAppApiVersion,
} from '@companero/channels/connection-types';
import { connectionsRepository } from '@companero/channels/connections.repository';
import { type DeliveryStatus, deliveriesRepository } from '@companero/channels/deliveries.repository';
import { ProviderError } from '@companero/channels/provider-error';
import { createTelegramApi } from '@companero/channels/telegram/telegram-api';
import { widgetSettingsRepository } from '@companero/channels/widget-settings.repository';
import type {
  ZTelegramConnectionInput,
  ZWhatsAppConnectionInput,
} from '@companero/contracts/channel/connections';
import { deliverMessageJob } from '@companero/contracts/channel/jobs';
import type { ZWidgetSettingsInput } from '@companero/contracts/channel/widget';
import type { StaffContext } from '@companero/core/auth/request-context';
import type { SecretBox } from '@companero/core/crypto/secret-box';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '@companero/core/http/cursor';
import { appendAuditEntry } from '@companero/db/audit-log';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import type { z } from 'zod';

export type ChannelsServiceDeps = {
  db: TenantDatabase;
  jobs: JobQueue;
  secretBox: SecretBox;
  publicUrl: string;
};

/**
 * Channel connection settings: WhatsApp and Telegram connections (secrets encrypted, never returned), the
 * widget's theme, allowed origins and identity secret, and the outbound queue's dead letters.
 */
export const createChannelsService = (deps: ChannelsServiceDeps) => {
  const base = deps.publicUrl.replace(/\/+$/, '');
  const webhookUrl = (channel: 'whatsapp' | 'telegram', id: string) =>
    `${base}/api/channels/${channel}/${id}/webhook`;

  const embedCode = (slug: string) =>
    `<script src="${base}/widget.js" data-creator="${slug}" async></script>`;

  const widgetView = async (tx: TenantTx) => {
    const settings = await widgetSettingsRepository.get(tx);
    const { rows } = await tx.query<{ slug: string }>('select slug from creators where id = $1', [
      tx.creatorId,
    ]);
    return {
      theme: settings.theme,
      allowedOrigins: settings.allowedOrigins,
      identityVerification: settings.identitySecret !== null,
      embedCode: embedCode(rows[0]?.slug ?? ''),
      updatedAt: settings.updatedAt ? new Date(settings.updatedAt).toISOString() : null,
    };
  };

  return {
    async list(ctx: StaffContext) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => ({
        items: (await connectionsRepository.list(tx)).map((row) => ({
          id: row.id,
          channel: row.channel,
          status: row.status,
          webhookUrl: webhookUrl(row.channel, row.id),
          settings: row.settings,
          lastError: row.lastError,
          lastEventAt: row.lastEventAt ? new Date(row.lastEventAt).toISOString() : null,
          createdAt: new Date(row.createdAt).toISOString(),
        })),
        widget: await widgetView(tx),
      }));
    },

    async connectWhatsApp(ctx: StaffContext, input: z.output<typeof ZWhatsAppConnectionInput>) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const created = await connectionsRepository.insert(
          tx,
          {
            channel: 'whatsapp',
            accountKey: input.phoneNumberId,
            settings: {
              phoneNumberId: input.phoneNumberId,
              apiBaseUrl: input.apiBaseUrl ?? defaultWhatsAppApiBaseUrl,
              apiVersion: input.apiVersion ?? defaultWhatsAppApiVersion,
              template: input.template ?? null,
            },
            secrets: {
              accessToken: input.accessToken,
              appSecret: input.appSecret,
              verifyToken: input.verifyToken,
            },
          },
          deps.secretBox,
        );
        if (!created)
          throw new AppError('ALREADY_CONNECTED', {
            message: 'This WhatsApp phone number is already connected.',
          });
        await appendAuditEntry(tx, ctx, {
          action: 'channel.connected',
          targetType: 'channel_connection',
          targetId: created.id,
          metadata: { channel: 'whatsapp', phoneNumberId: input.phoneNumberId },
        });
        return { id: created.id, webhookUrl: webhookUrl('whatsapp', created.id) };
      });
    },

    /** Checks the token with getMe, then registers our webhook (with a fresh secret token) before saving. */
    async connectTelegram(ctx: StaffContext, input: z.output<typeof ZTelegramConnectionInput>) {
      const apiBaseUrl = input.apiBaseUrl ?? defaultTelegramApiBaseUrl;
      const api = createTelegramApi(input.botToken, apiBaseUrl);
      const id = randomUUID();
      const webhookSecret = randomBytes(32).toString('base64url');
      let bot: { id: number; username: string };
      try {
        bot = await api.getMe();
      } catch (error) {
        throw telegramProblem(error, 'Telegram did not accept the bot token', 'botToken');
      }
      const saved = await withTenant(deps.db, ctx.creatorId, (tx) =>
        connectionsRepository.insert(
          tx,
          {
            id,
            channel: 'telegram',
            accountKey: String(bot.id),
            settings: { botId: bot.id, botUsername: bot.username, apiBaseUrl },
            secrets: { botToken: input.botToken, webhookSecret },
          },
          deps.secretBox,
        ),
      );
      if (!saved)
        throw new AppError('ALREADY_CONNECTED', { message: `@${bot.username} is already connected.` });
      try {
        await api.setWebhook(webhookUrl('telegram', id), webhookSecret);
      } catch (error) {
        await withTenant(deps.db, ctx.creatorId, (tx) => connectionsRepository.remove(tx, id));
        throw telegramProblem(error, 'Telegram refused the webhook');
      }
      await withTenant(deps.db, ctx.creatorId, (tx) =>
        appendAuditEntry(tx, ctx, {
          action: 'channel.connected',
          targetType: 'channel_connection',
          targetId: id,
          metadata: { channel: 'telegram', botUsername: bot.username },
        }),
      );
      return { id, webhookUrl: webhookUrl('telegram', id) };
    },

    async remove(ctx: StaffContext, id: string) {
      const connection = await withTenant(deps.db, ctx.creatorId, async (tx) => {
        const found = await connectionsRepository.get(tx, id, deps.secretBox);
        if (!found) throw notFound('channel connection');
        await connectionsRepository.remove(tx, id);
        await appendAuditEntry(tx, ctx, {
          action: 'channel.disconnected',
          targetType: 'channel_connection',
          targetId: id,
          metadata: { channel: found.channel },
        });
        return found;
      });
      // Telegram would keep posting to a webhook that now answers 404; tell it to stop (best effort).
      if (connection.channel === 'telegram')
        await createTelegramApi(connection.secrets.botToken, connection.settings.apiBaseUrl)
          .deleteWebhook()
          .catch(() => {});
    },

    async saveWidget(ctx: StaffContext, input: z.output<typeof ZWidgetSettingsInput>) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        await widgetSettingsRepository.save(tx, {
          theme: input.theme,
          allowedOrigins: [...new Set(input.allowedOrigins.map((origin) => new URL(origin).origin))],
        });
        await appendAuditEntry(tx, ctx, { action: 'channel.widget_updated', targetType: 'widget_settings' });
        return widgetView(tx);
      });
    },

    /** A new widget identity secret, shown once; sessions signed with the old one stop verifying. */
    async rotateIdentitySecret(ctx: StaffContext) {
      const secret = randomBytes(32).toString('hex');
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        await widgetSettingsRepository.setIdentitySecret(tx, deps.secretBox.encrypt(secret));
        await appendAuditEntry(tx, ctx, {
          action: 'channel.widget_secret_rotated',
          targetType: 'widget_settings',
        });
      });
      return { secret };
    },

    async deliveries(ctx: StaffContext, query: { status?: DeliveryStatus; cursor?: string; limit: number }) {
      const after = query.cursor
        ? decodeCursor(
            query.cursor,
            ['at', 'id'] as const,
            (value) => isUuid(value.id) && isCursorTimestamp(value.at),
          )
        : undefined;
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const rows = await deliveriesRepository.list(
          tx,
          { status: query.status, limit: query.limit + 1 },
          after,
        );
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return {
          items: page.map(({ cursorAt: _cursor, ...row }) => ({
            ...row,
            nextAttemptAt: row.nextAttemptAt ? new Date(row.nextAttemptAt).toISOString() : null,
            createdAt: new Date(row.createdAt).toISOString(),
            updatedAt: new Date(row.updatedAt).toISOString(),
          })),
          nextCursor:
            rows.length > query.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
        };
      });
    },

    async retryDelivery(ctx: StaffContext, id: string) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        if (!(await deliveriesRepository.requeue(tx, id))) throw notFound('dead or waiting delivery');
        await deps.jobs.send(deliverMessageJob, { creatorId: ctx.creatorId, deliveryId: id }, { tx });
        await appendAuditEntry(tx, ctx, {
          action: 'channel.delivery_retried',
          targetType: 'delivery',
          targetId: id,
        });
      });
    },
  };
};

/** Telegram's refusal as a problem; `field` names the input it is about (a refused webhook is about none). */
const telegramProblem = (error: unknown, prefix: string, field?: string): AppError => {
  if (error instanceof ProviderError && !error.retryable)
    return new AppError('VALIDATION_FAILED', {
      message: `${prefix}: ${error.message}`,
      ...(field ? { errors: [{ path: field, message: error.message }] } : {}),
    });
  return new AppError('PROVIDER_ERROR', {
    message: `${prefix}: Telegram could not be reached.`,
    cause: error,
  });
};

export type ChannelsService = ReturnType<typeof createChannelsService>;
