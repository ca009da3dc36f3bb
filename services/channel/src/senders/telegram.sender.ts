import type { ConnectionOf } from '@companero/channels/connection-types';
import { createTelegramApi, telegramMaxMessageLength } from '@companero/channels/telegram/telegram-api';
import type { ChannelSender } from './channel-sender';
import { splitMessage } from './split-message';
import { toTelegramMarkdown } from './telegram-markdown';

/**
 * Telegram Bot API sender: MarkdownV2 with everything else escaped, texts over 4096 characters split, quick
 * replies as inline buttons, and Telegram's limits as pacing (1 message/s per chat, 30/s per bot).
 */
export const createTelegramSender = (
  options: { perChatPerSecond?: number; perBotPerSecond?: number } = {},
): ChannelSender => {
  const apiFor = (connection: ConnectionOf<'telegram'>) =>
    createTelegramApi(connection.secrets.botToken, connection.settings.apiBaseUrl);
  return {
    pacing: (connection, externalId) => [
      {
        key: `pace:telegram:${connection.id}:chat:${externalId}`,
        limit: options.perChatPerSecond ?? 1,
        windowMs: 1000,
      },
      { key: `pace:telegram:${connection.id}`, limit: options.perBotPerSecond ?? 30, windowMs: 1000 },
    ],
    async send(connection, payload) {
      if (connection.channel !== 'telegram') throw new Error('not a Telegram connection');
      const api = apiFor(connection);
      // Escaping can lengthen a text, so split with room to spare and check each escaped part.
      const parts = splitMessage(payload.text, telegramMaxMessageLength - 400);
      let first: string | null = null;
      for (const [index, part] of parts.entries()) {
        const isLast = index === parts.length - 1;
        const markdown = toTelegramMarkdown(part);
        const sent = await api.sendMessage(
          payload.externalId,
          markdown.length <= telegramMaxMessageLength ? markdown : part,
          {
            parseMode: markdown.length <= telegramMaxMessageLength ? 'MarkdownV2' : undefined,
            buttons: isLast
              ? payload.quickReplies
                  .slice(0, 8)
                  .map((text, buttonIndex) => ({ text, data: `qr:${buttonIndex}` }))
              : undefined,
          },
        );
        first ??= String(sent.message_id);
      }
      return { providerMessageId: first };
    },
    async typing(connection, externalId) {
      if (connection.channel !== 'telegram') return;
      await apiFor(connection).sendTyping(externalId);
    },
  };
};
