import type { ZWhatsAppConnectionInput } from '@companero/contracts/channel/connections';
import type { z } from 'zod';

export type WhatsAppSettings = {
  phoneNumberId: string;
  apiBaseUrl: string;
  apiVersion: string;
  template: z.output<typeof ZWhatsAppConnectionInput>['template'] | null;
};
export type WhatsAppSecrets = { accessToken: string; appSecret: string; verifyToken: string };

export type TelegramSettings = { botId: number; botUsername: string; apiBaseUrl: string };
export type TelegramSecrets = { botToken: string; webhookSecret: string };

export type ConnectionOf<Channel extends 'whatsapp' | 'telegram'> = {
  id: string;
  creatorId: string;
  channel: Channel;
  status: 'active' | 'error' | 'disabled';
  settings: Channel extends 'whatsapp' ? WhatsAppSettings : TelegramSettings;
  secrets: Channel extends 'whatsapp' ? WhatsAppSecrets : TelegramSecrets;
};
export type ChannelConnection = ConnectionOf<'whatsapp'> | ConnectionOf<'telegram'>;

export const defaultWhatsAppApiBaseUrl = 'https://graph.facebook.com';
export const defaultWhatsAppApiVersion = 'v21.0';
export const defaultTelegramApiBaseUrl = 'https://api.telegram.org';
