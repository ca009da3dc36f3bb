import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Bot API call the fake received. */
export type BotApiCall = {
  token: string;
  method: string;
  body: any;
  /** sendMessage: the text as Telegram shows it (entities parsed, escapes removed). */
  plainText?: string;
  /** What the fake answered: `ok` with the result, or Telegram's description of the failure. */
  ok: boolean;
  result?: any;
  description?: string;
  at: number;
};

type Bot = { id: number; username: string; firstName: string };
type Webhook = { url: string; secretToken: string | undefined; allowedUpdates: string[] | undefined };
export type BotApiFailure = { errorCode: number; description: string; retryAfter?: number };

const telegramMaxMessageLength = 4096;
const reservedCharacters = new Set('_*[]()~`>#+-=|{}.!'.split(''));
const entityNames: Record<string, string> = {
  bold: 'Bold',
  italic: 'Italic',
  underline: 'Underline',
  strikethrough: 'Strikethrough',
  spoiler: 'Spoiler',
  link: 'TextUrl',
};

class EntityError extends Error {}

/**
 * Parses MarkdownV2 the way the Bot API does (https://core.telegram.org/bots/api#markdownv2-style): entities
 * open and close with their markers, `\` escapes any ASCII character, and every other reserved character
 * outside code and URLs is an error. Answers the text as the member would read it.
 */
export const parseMarkdownV2 = (text: string): string => {
  const open: { kind: string; at: number }[] = [];
  let plain = '';
  let index = 0;
  let isLineStart = true;
  const offset = (at: number) => Buffer.byteLength(text.slice(0, at));
  const reservedError = (character: string) =>
    new EntityError(`Character '${character}' is reserved and must be escaped with the preceding '\\'`);
  const toggle = (kind: string, width: number) => {
    const position = open.findIndex((entity) => entity.kind === kind);
    if (position === -1) open.push({ kind, at: index });
    else if (position === open.length - 1) open.pop();
    else {
      const inner = open[open.length - 1]!;
      throw new EntityError(
        `Can't find end of ${entityNames[inner.kind]} entity at byte offset ${offset(inner.at)}`,
      );
    }
    index += width;
  };
  while (index < text.length) {
    const character = text[index]!;
    if (character === '\\') {
      const code = text.charCodeAt(index + 1);
      if (!(code >= 1 && code <= 126)) throw reservedError('\\');
      plain += text[index + 1];
      index += 2;
      isLineStart = false;
      continue;
    }
    if (character === '`') {
      const fence = text.startsWith('```', index) ? '```' : '`';
      let cursor = index + fence.length;
      if (fence === '```') {
        // An optional language name runs to the end of the first line.
        const newline = text.indexOf('\n', cursor);
        if (newline !== -1 && /^[\w+-]*$/.test(text.slice(cursor, newline))) cursor = newline + 1;
      }
      let closed = false;
      while (cursor < text.length) {
        if (text[cursor] === '\\') {
          plain += text[cursor + 1] ?? '';
          cursor += 2;
          continue;
        }
        if (text.startsWith(fence, cursor)) {
          closed = true;
          break;
        }
        if (text[cursor] === '`') throw reservedError('`');
        plain += text[cursor];
        cursor += 1;
      }
      if (!closed)
        throw new EntityError(
          `Can't find end of ${fence === '```' ? 'Pre' : 'Code'} entity at byte offset ${offset(index)}`,
        );
      index = cursor + fence.length;
      isLineStart = false;
      continue;
    }
    if (character === '*') {
      toggle('bold', 1);
      continue;
    }
    if (character === '_') {
      if (text[index + 1] === '_') toggle('underline', 2);
      else toggle('italic', 1);
      continue;
    }
    if (character === '~') {
      toggle('strikethrough', 1);
      continue;
    }
    if (character === '|' && text[index + 1] === '|') {
      toggle('spoiler', 2);
      continue;
    }
    if (character === '[') {
      open.push({ kind: 'link', at: index });
      index += 1;
      continue;
    }
    if (character === ']' && open.at(-1)?.kind === 'link') {
      const start = open.pop()!;
      if (text[index + 1] !== '(')
        throw new EntityError(`Can't find end of a URL for the entity at byte offset ${offset(start.at)}`);
      let cursor = index + 2;
      while (cursor < text.length && text[cursor] !== ')') cursor += text[cursor] === '\\' ? 2 : 1;
      if (cursor >= text.length)
        throw new EntityError(`Can't find end of a URL for the entity at byte offset ${offset(start.at)}`);
      index = cursor + 1;
      isLineStart = false;
      continue;
    }
    if (character === '>' && isLineStart) {
      index += 1;
      continue;
    }
    if (reservedCharacters.has(character)) throw reservedError(character);
    plain += character;
    isLineStart = character === '\n';
    index += 1;
  }
  const unclosed = open[0];
  if (unclosed)
    throw new EntityError(
      `Can't find end of ${entityNames[unclosed.kind]} entity at byte offset ${offset(unclosed.at)}`,
    );
  return plain;
};

/**
 * A local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api) with the methods Compañero
 * calls, at `/bot<token>/<method>` with JSON bodies as grammY posts them. It knows its bots by token (others get
 * 401), checks what Telegram checks for them (MarkdownV2 entities, 4096 characters, known chats and callback
 * queries, HTTPS webhooks with a well-formed secret token), records every call, can be told to answer 429 with
 * `retry_after`, and delivers updates to the registered webhook with the registered secret token.
 */
export const startFakeBotApi = async () => {
  const bots = new Map<string, Bot>();
  const webhooks = new Map<string, Webhook>();
  const chats = new Map<string, Set<string>>();
  const callbackQueries = new Set<string>();
  const blockedChats = new Set<string>();
  const failures = new Map<string, BotApiFailure[]>();
  const calls: BotApiCall[] = [];
  let nextMessageId = 1000;

  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : {};
  };

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  type Outcome = { result: unknown; description?: string; plainText?: string } | BotApiFailure;

  const badRequest = (description: string): BotApiFailure => ({
    errorCode: 400,
    description: `Bad Request: ${description}`,
  });

  const methods: Record<string, (bot: Bot, token: string, body: any) => Outcome> = {
    getMe: (bot) => ({
      result: {
        id: bot.id,
        is_bot: true,
        first_name: bot.firstName,
        username: bot.username,
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
      },
    }),
    setWebhook: (_bot, token, body) => {
      const url = typeof body.url === 'string' ? body.url : '';
      if (!url.startsWith('https://'))
        return badRequest('bad webhook: An HTTPS URL must be provided for webhook');
      const secretToken = body.secret_token as string | undefined;
      if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken))
        return badRequest('secret token contains unallowed characters');
      webhooks.set(token, { url, secretToken, allowedUpdates: body.allowed_updates });
      return { result: true, description: 'Webhook was set' };
    },
    deleteWebhook: (_bot, token) => {
      const existed = webhooks.delete(token);
      return { result: true, description: existed ? 'Webhook was deleted' : 'Webhook is already deleted' };
    },
    sendMessage: (bot, token, body) => {
      const chatId = String(body.chat_id ?? '');
      if (!chats.get(token)?.has(chatId)) return badRequest('chat not found');
      if (blockedChats.has(`${token}:${chatId}`))
        return { errorCode: 403, description: 'Forbidden: bot was blocked by the user' };
      if (typeof body.text !== 'string' || body.text.trim() === '')
        return badRequest('message text is empty');
      let plainText = body.text as string;
      if (body.parse_mode === 'MarkdownV2') {
        try {
          plainText = parseMarkdownV2(body.text);
        } catch (error) {
          if (error instanceof EntityError) return badRequest(`can't parse entities: ${error.message}`);
          throw error;
        }
      } else if (body.parse_mode !== undefined) {
        return badRequest(`unsupported parse_mode ${String(body.parse_mode)}`);
      }
      if (plainText.trim() === '') return badRequest('message text is empty');
      if (plainText.length > telegramMaxMessageLength) return badRequest('message is too long');
      const buttons: any[] = body.reply_markup?.inline_keyboard?.flat() ?? [];
      if (
        buttons.some(
          (button) =>
            typeof button.text !== 'string' ||
            typeof button.callback_data !== 'string' ||
            Buffer.byteLength(button.callback_data) < 1 ||
            Buffer.byteLength(button.callback_data) > 64,
        )
      )
        return badRequest('BUTTON_DATA_INVALID');
      return {
        plainText,
        result: {
          message_id: nextMessageId++,
          from: { id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username },
          chat: { id: Number(chatId), type: 'private' },
          date: Math.floor(Date.now() / 1000),
          text: plainText,
          ...(body.reply_markup ? { reply_markup: body.reply_markup } : {}),
        },
      };
    },
    sendChatAction: (_bot, token, body) => {
      if (!chats.get(token)?.has(String(body.chat_id ?? ''))) return badRequest('chat not found');
      if (body.action !== 'typing') return badRequest('wrong parameter action in request');
      return { result: true };
    },
    answerCallbackQuery: (_bot, _token, body) => {
      if (!callbackQueries.has(String(body.callback_query_id)))
        return badRequest('query is too old and response timeout expired or query ID is invalid');
      callbackQueries.delete(String(body.callback_query_id));
      return { result: true };
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(
      new URL(request.url ?? '/', 'http://bot.local').pathname,
    );
    const body = await readBody(request).catch(() => null);
    if (!match || body === null)
      return send(response, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match as unknown as [string, string, string];
    const record = (call: Omit<BotApiCall, 'token' | 'method' | 'body' | 'at'>) =>
      calls.push({ token, method, body, at: Date.now(), ...call });
    const bot = bots.get(token);
    if (!bot) {
      record({ ok: false, description: 'Unauthorized' });
      return send(response, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    }
    const handler = methods[method];
    if (!handler) {
      record({ ok: false, description: 'Not Found' });
      return send(response, 404, { ok: false, error_code: 404, description: 'Not Found' });
    }
    const outcome: Outcome = failures.get(method)?.shift() ?? handler(bot, token, body);
    if ('errorCode' in outcome) {
      record({ ok: false, description: outcome.description });
      return send(response, outcome.errorCode, {
        ok: false,
        error_code: outcome.errorCode,
        description: outcome.description,
        ...(outcome.retryAfter !== undefined ? { parameters: { retry_after: outcome.retryAfter } } : {}),
      });
    }
    record({ ok: true, plainText: outcome.plainText, result: outcome.result });
    send(response, 200, {
      ok: true,
      result: outcome.result,
      ...(outcome.description ? { description: outcome.description } : {}),
    });
  };

  /** The next `count` calls of `method` fail with this error (Telegram's `error_code` and description). */
  const failNext = (method: string, count: number, failure: BotApiFailure) => {
    const queue = failures.get(method) ?? [];
    for (let index = 0; index < count; index += 1) queue.push(failure);
    failures.set(method, queue);
  };

  const openChat = (token: string, chatId: number | string) => {
    const known = chats.get(token) ?? new Set<string>();
    known.add(String(chatId));
    chats.set(token, known);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    /** What a connection's `apiBaseUrl` should be. */
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    /** Creates a bot as @BotFather would; its token is `<id>:<secret>`. */
    addBot(bot: { id: number; username: string; firstName?: string }) {
      const token = `${bot.id}:AAH${Buffer.from(`${bot.username}-${bot.id}-secret-part`).toString('base64url')}`;
      bots.set(token, { id: bot.id, username: bot.username, firstName: bot.firstName ?? bot.username });
      return token;
    },
    webhookOf: (token: string) => webhooks.get(token),
    /** A user starts a chat with the bot (bots may only write to chats that wrote to them first). */
    openChat,
    /** The user blocks the bot: sends to their chat answer 403 from now on. */
    block(token: string, chatId: number | string) {
      blockedChats.add(`${token}:${chatId}`);
    },
    /** The owner revokes the token with @BotFather: every call with it answers 401 from now on. */
    revoke(token: string) {
      bots.delete(token);
    },
    failNext,
    /** The next `count` calls of `method` fail with 429 Too Many Requests and this `retry_after` (seconds). */
    throttleNext(method: string, count: number, retryAfter: number) {
      failNext(method, count, {
        errorCode: 429,
        description: `Too Many Requests: retry after ${retryAfter}`,
        retryAfter,
      });
    },
    callsOf(method: string, filter: { token?: string; chatId?: number | string } = {}) {
      return calls.filter(
        (call) =>
          call.method === method &&
          (filter.token === undefined || call.token === filter.token) &&
          (filter.chatId === undefined || String(call.body?.chat_id) === String(filter.chatId)),
      );
    },
    /**
     * Telegram delivering an update: POST to the bot's webhook with its secret token. `origin` replaces the
     * webhook's scheme and host (PUBLIC_URL is the address behind the proxy; tests reach the server directly).
     */
    async deliver(token: string, update: any, origin: string) {
      const webhook = webhooks.get(token);
      if (!webhook) throw new Error('no webhook is set for this bot');
      const chatId = update.message?.chat?.id ?? update.callback_query?.message?.chat?.id;
      if (chatId !== undefined) openChat(token, chatId);
      if (update.callback_query?.id) callbackQueries.add(String(update.callback_query.id));
      const url = new URL(webhook.url);
      const response = await fetch(`${origin}${url.pathname}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(webhook.secretToken ? { 'x-telegram-bot-api-secret-token': webhook.secretToken } : {}),
        },
        body: JSON.stringify(update),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export type FakeBotApi = Awaited<ReturnType<typeof startFakeBotApi>>;
