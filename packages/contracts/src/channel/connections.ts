import { z } from 'zod';

const apiBaseUrl = z.url().max(500).describe('Override for tests or a proxy; the official API when absent');

export const ZWhatsAppConnectionInput = z.object({
  phoneNumberId: z.string().regex(/^\d{5,32}$/, 'the numeric phone number id from Meta'),
  accessToken: z.string().min(10).max(1000),
  appSecret: z.string().min(8).max(200),
  verifyToken: z.string().min(8).max(200),
  apiBaseUrl: apiBaseUrl.optional(),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/)
    .optional(),
  template: z
    .object({
      name: z.string().min(1).max(512),
      language: z.string().min(2).max(15).default('en'),
    })
    .optional()
    .describe('An approved template with one body parameter, sent outside the 24-hour window'),
});

export const ZTelegramConnectionInput = z.object({
  botToken: z.string().regex(/^\d{3,20}:[A-Za-z0-9_-]{20,100}$/, 'a token as @BotFather gives it'),
  apiBaseUrl: apiBaseUrl.optional(),
});

export const ZChannelConnection = z
  .object({
    id: z.uuid(),
    channel: z.enum(['whatsapp', 'telegram']),
    status: z.enum(['active', 'error', 'disabled']),
    webhookUrl: z.string(),
    settings: z
      .record(z.string(), z.unknown())
      .describe('Non-secret settings (phone number id, bot username…)'),
    lastError: z.string().nullable(),
    lastEventAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ChannelConnection' });

export const ZCreatedConnection = z.object({ id: z.uuid(), webhookUrl: z.string() });

export const ZDeliveryStatus = z.enum([
  'pending',
  'sending',
  'sent',
  'waiting',
  'failed',
  'dead',
  'cancelled',
]);

export const ZDelivery = z
  .object({
    id: z.uuid(),
    messageId: z.uuid(),
    memberId: z.uuid(),
    channel: z.string(),
    status: ZDeliveryStatus,
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    preview: z.string(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Delivery' });
