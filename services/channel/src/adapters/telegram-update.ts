import { z } from 'zod';
import type { InboundMessage } from '../ports/inbound-message';

// The parts of a Telegram Update (Bot API) Compañero reads; everything else is accepted and ignored.
const ZUser = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});
const ZChat = z.looseObject({ id: z.number().int(), type: z.string() });
const ZMessage = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  chat: ZChat,
  from: ZUser.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  reply_markup: z
    .looseObject({
      inline_keyboard: z
        .array(z.array(z.looseObject({ text: z.string(), callback_data: z.string().optional() })))
        .optional(),
    })
    .optional(),
});

export const ZTelegramUpdate = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: ZMessage.optional(),
  edited_message: ZMessage.optional(),
  callback_query: z
    .looseObject({ id: z.string(), from: ZUser, data: z.string().optional(), message: ZMessage.optional() })
    .optional(),
});
export type TTelegramUpdate = z.output<typeof ZTelegramUpdate>;

const mediaKeys = ['photo', 'voice', 'audio', 'video', 'video_note', 'document', 'sticker', 'animation'];

const nameOf = (user: z.output<typeof ZUser> | undefined) =>
  user ? [user.first_name, user.last_name].filter(Boolean).join(' ') || user.username : undefined;

/**
 * One Telegram update as an inbound message (or null: edits, group chats, service messages). The provider id
 * is the bot's update id, so a redelivered update has one effect; `/start <code>` carries a link code.
 */
export const parseTelegramUpdate = (
  update: TTelegramUpdate,
  botId: number,
): { message: Omit<InboundMessage, 'connectionId'> | null; callbackQueryId: string | null } => {
  const providerMessageId = `${botId}:${update.update_id}`;
  if (update.callback_query) {
    const query = update.callback_query;
    const chat = query.message?.chat;
    if (chat?.type !== 'private') return { message: null, callbackQueryId: query.id };
    const button = query.message?.reply_markup?.inline_keyboard
      ?.flat()
      .find((candidate) => candidate.callback_data === query.data);
    const text = button?.text ?? query.data ?? '';
    return {
      callbackQueryId: query.id,
      message: text
        ? {
            channel: 'telegram',
            externalId: String(chat.id),
            providerMessageId,
            text,
            contentType: 'button',
            profile: { name: nameOf(query.from), locale: query.from.language_code },
            metadata: { callbackData: query.data },
          }
        : null,
    };
  }
  const message = update.message;
  if (message?.chat.type !== 'private' || message.from?.is_bot)
    return { message: null, callbackQueryId: null };
  const start = message.text ? /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/.exec(message.text) : null;
  const hasMedia = mediaKeys.some((key) => key in message);
  const text = message.text ?? (hasMedia ? null : (message.caption ?? null));
  return {
    callbackQueryId: null,
    message: {
      channel: 'telegram',
      externalId: String(message.chat.id),
      providerMessageId,
      text,
      contentType: message.text ? 'text' : hasMedia ? 'media' : 'other',
      profile: { name: nameOf(message.from), locale: message.from?.language_code },
      sentAt: new Date(message.date * 1000),
      metadata: {
        telegramMessageId: message.message_id,
        ...(start?.[1] ? { startPayload: start[1] } : {}),
        ...(start ? { command: 'start' } : {}),
      },
    },
  };
};
