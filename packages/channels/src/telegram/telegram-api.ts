import { Api, GrammyError, HttpError } from 'grammy';
import { defaultTelegramApiBaseUrl } from '../connection-types';
import { isRetryableStatus, ProviderError } from '../provider-error';

/** Telegram's limit for one text message. */
export const telegramMaxMessageLength = 4096;

const toProviderError = (error: unknown): ProviderError => {
  if (error instanceof GrammyError) {
    const retryAfter = error.parameters.retry_after;
    return new ProviderError(`Telegram ${error.method}: ${error.description}`, {
      retryable: isRetryableStatus(error.error_code),
      status: error.error_code,
      retryAfterMs: retryAfter !== undefined ? retryAfter * 1000 : null,
      cause: error,
    });
  }
  if (error instanceof HttpError)
    return new ProviderError(`Telegram unreachable: ${error.message}`, { retryable: true, cause: error });
  return new ProviderError(`Telegram call failed: ${String(error)}`, { retryable: true, cause: error });
};

const call = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    throw toProviderError(error);
  }
};

/**
 * The Bot API methods Compañero uses, through grammY's typed client (`apiRoot` points it at a local Bot API
 * server or a test double). Errors come back as ProviderError with Telegram's `retry_after` when it sent one.
 */
export const createTelegramApi = (botToken: string, apiBaseUrl = defaultTelegramApiBaseUrl) => {
  const api = new Api(botToken, { apiRoot: apiBaseUrl.replace(/\/+$/, ''), timeoutSeconds: 15 });
  return {
    getMe: () => call(() => api.getMe()),
    setWebhook: (url: string, secretToken: string) =>
      call(() =>
        api.setWebhook(url, {
          secret_token: secretToken,
          allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
          drop_pending_updates: false,
        }),
      ),
    deleteWebhook: () => call(() => api.deleteWebhook()),
    sendMessage: (
      chatId: number | string,
      text: string,
      options: { parseMode?: 'MarkdownV2' | 'HTML'; buttons?: { text: string; data: string }[] } = {},
    ) =>
      call(() =>
        api.sendMessage(chatId, text, {
          parse_mode: options.parseMode,
          link_preview_options: { is_disabled: true },
          reply_markup: options.buttons?.length
            ? {
                inline_keyboard: [
                  options.buttons.map((button) => ({ text: button.text, callback_data: button.data })),
                ],
              }
            : undefined,
        }),
      ),
    sendTyping: (chatId: number | string) => call(() => api.sendChatAction(chatId, 'typing')),
    answerCallbackQuery: (id: string) => call(() => api.answerCallbackQuery(id)),
  };
};

export type TelegramApi = ReturnType<typeof createTelegramApi>;
