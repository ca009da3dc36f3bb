import type { ConnectionOf } from '@companero/channels/connection-types';
import { createWhatsAppGraphApi, whatsappMaxTextLength } from '@companero/channels/whatsapp/graph-api';
import type { ChannelSender } from './channel-sender';
import { splitMessage } from './split-message';

/**
 * WhatsApp Cloud API sender. Quick replies become reply buttons (at most 3, titles of 20 characters); outside
 * the 24-hour window only the connection's approved template may be sent, with the text as its parameter.
 */
export const createWhatsAppSender = (
  options: { messagesPerSecond?: number; fetchImpl?: typeof fetch } = {},
): ChannelSender => {
  const apiFor = (connection: ConnectionOf<'whatsapp'>) =>
    createWhatsAppGraphApi({
      phoneNumberId: connection.settings.phoneNumberId,
      accessToken: connection.secrets.accessToken,
      apiBaseUrl: connection.settings.apiBaseUrl,
      apiVersion: connection.settings.apiVersion,
      fetchImpl: options.fetchImpl,
    });
  return {
    windowHours: 24,
    canSendOutsideWindow: (connection) =>
      connection.channel === 'whatsapp' && Boolean(connection.settings.template),
    pacing: (connection) => [
      // Cloud API throughput is 80 messages/s per phone number by default.
      { key: `pace:whatsapp:${connection.id}`, limit: options.messagesPerSecond ?? 80, windowMs: 1000 },
    ],
    async send(connection, payload) {
      if (connection.channel !== 'whatsapp') throw new Error('not a WhatsApp connection');
      const api = apiFor(connection);
      const template = connection.settings.template;
      if (payload.useTemplate && template) {
        return api.send({
          kind: 'template',
          to: payload.externalId,
          name: template.name,
          language: template.language,
          // Template parameters cannot hold newlines or more than 1024 characters.
          bodyParameters: [payload.text.replace(/\s*\n+\s*/g, ' ').slice(0, 1024)],
        });
      }
      const parts = splitMessage(payload.text, whatsappMaxTextLength);
      let first: string | null = null;
      for (const [index, part] of parts.entries()) {
        const isLast = index === parts.length - 1;
        const buttons = isLast ? payload.quickReplies.slice(0, 3) : [];
        const sent = await api.send(
          buttons.length
            ? {
                kind: 'buttons',
                to: payload.externalId,
                text: part,
                buttons: buttons.map((title, buttonIndex) => ({ id: `qr:${buttonIndex}:${title}`, title })),
              }
            : { kind: 'text', to: payload.externalId, text: part },
        );
        first ??= sent.providerMessageId;
      }
      return { providerMessageId: first };
    },
  };
};
