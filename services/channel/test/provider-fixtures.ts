import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Body, type Creator, expectStatus } from '@companero/testing/creator-fixtures';
import type { HttpClient, JsonResponse } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import type { FakeBotApi } from './fake-bot-api';
import type { FakeGraphApi } from './fake-graph-api';

/**
 * Provider payloads and connections for the WhatsApp and Telegram tests: fixtures shaped like Meta's and
 * Telegram's documented examples (fixtures/), filled with each test's ids, and the creator-hub calls that
 * connect a phone number or a bot to the fakes.
 */

const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export const readProviderFixture = (path: string): any =>
  JSON.parse(readFileSync(join(fixturesDir, path), 'utf8'));

/** Telegram and Meta both require HTTPS webhooks: the test server's PUBLIC_URL says where it would be. */
export const publicUrl = 'https://coach.example.com';

/** Reads rows as the database owner (the test's own view; the app itself always runs under RLS). */
export const ownerQuery = async <Row = Body>(server: TestServer, sql: string, params: unknown[] = []) =>
  (await server.runtime.database.query<Row>(sql, params)).rows;

// ---- WhatsApp ----------------------------------------------------------------------------------------------

export const newWamid = () => `wamid.${randomBytes(30).toString('base64')}`;
export const newWaId = () => `34${randomInt(600_000_000, 699_999_999)}`;

/**
 * Meta's serialisation: non-ASCII characters and slashes escaped, as its webhooks send them. The signature is
 * over these bytes; a server that re-serialised the parsed JSON would compute a different one.
 */
export const metaJson = (payload: unknown) =>
  JSON.stringify(payload)
    .replace(/[\u007f-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\//g, '\\/');

export const metaSignature = (rawBody: string, appSecret: string) =>
  `sha256=${createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex')}`;

export type WhatsAppLine = {
  connectionId: string;
  webhookUrl: string;
  /** The webhook's path on the test server (PUBLIC_URL is the address behind a proxy). */
  webhookPath: string;
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
};

export type WaContact = { waId: string; name: string };

/** Connects a new business phone number (known to the fake Graph API) through POST /api/hub/channels/whatsapp. */
export const connectWhatsAppLine = async (
  http: HttpClient,
  owner: Creator,
  graph: FakeGraphApi,
  options: { template?: { name: string; language: string } } = {},
): Promise<WhatsAppLine> => {
  const phoneNumberId = `1${randomInt(10_000_000, 99_999_999)}${randomInt(100_000, 999_999)}`;
  const accessToken = `EAAG${randomBytes(48).toString('base64url')}`;
  const appSecret = randomBytes(16).toString('hex');
  const verifyToken = `verify-${randomBytes(12).toString('hex')}`;
  graph.addPhoneNumber(phoneNumberId, accessToken);
  const { body } = expectStatus(
    await http.post<Body>(
      '/api/hub/channels/whatsapp',
      {
        phoneNumberId,
        accessToken,
        appSecret,
        verifyToken,
        apiBaseUrl: graph.baseUrl,
        ...(options.template ? { template: options.template } : {}),
      },
      { token: owner.token },
    ),
    201,
  );
  return {
    connectionId: body.id,
    webhookUrl: body.webhookUrl,
    webhookPath: new URL(body.webhookUrl).pathname,
    phoneNumberId,
    accessToken,
    appSecret,
    verifyToken,
  };
};

/** An inbound-message webhook from a fixture (text, interactive, image), for this line and sender. */
export const whatsappMessage = (
  fixture: string,
  line: Pick<WhatsAppLine, 'phoneNumberId'>,
  from: WaContact,
  options: { wamid?: string; text?: string; sentAt?: Date } = {},
) => {
  const payload = readProviderFixture(`whatsapp/${fixture}`);
  const value = payload.entry[0].changes[0].value;
  value.metadata.phone_number_id = line.phoneNumberId;
  value.contacts[0].wa_id = from.waId;
  value.contacts[0].profile.name = from.name;
  const message = value.messages[0];
  message.from = from.waId;
  message.id = options.wamid ?? newWamid();
  message.timestamp = String(Math.floor((options.sentAt ?? new Date()).getTime() / 1000));
  if (options.text !== undefined) message.text.body = options.text;
  return { payload, wamid: message.id as string };
};

/** A status webhook (sent, delivered, read, failed) for one of our outbound messages. */
export const whatsappStatus = (
  status: 'sent' | 'delivered' | 'read' | 'failed',
  line: Pick<WhatsAppLine, 'phoneNumberId'>,
  options: { wamid: string; recipient: string },
) => {
  const payload = readProviderFixture(`whatsapp/status-${status}.json`);
  const value = payload.entry[0].changes[0].value;
  value.metadata.phone_number_id = line.phoneNumberId;
  value.statuses[0].id = options.wamid;
  value.statuses[0].recipient_id = options.recipient;
  value.statuses[0].timestamp = String(Math.floor(Date.now() / 1000));
  return payload;
};

/**
 * Meta delivering a webhook: the body as Meta serialises it, signed with the app secret. `signature: null`
 * leaves the header out; a string replaces it.
 */
export const postWhatsApp = (
  http: HttpClient,
  line: Pick<WhatsAppLine, 'webhookPath' | 'appSecret'>,
  body: unknown,
  options: { signature?: string | null; rawBody?: string } = {},
): Promise<JsonResponse<Body>> => {
  const rawBody = options.rawBody ?? metaJson(body);
  const signature =
    options.signature === undefined ? metaSignature(rawBody, line.appSecret) : options.signature;
  return http.request<Body>('POST', line.webhookPath, {
    rawBody,
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'x-hub-signature-256': signature }),
    },
  });
};

// ---- Telegram ----------------------------------------------------------------------------------------------

export type TelegramBot = {
  connectionId: string;
  webhookUrl: string;
  webhookPath: string;
  token: string;
  botId: number;
  username: string;
};

/** Creates a bot on the fake Bot API and connects it through POST /api/hub/channels/telegram. */
export const connectTelegramBot = async (
  http: HttpClient,
  owner: Creator,
  botApi: FakeBotApi,
): Promise<TelegramBot> => {
  const botId = randomInt(5_000_000_000, 7_999_999_999);
  const username = `coach_${botId}_bot`;
  const token = botApi.addBot({ id: botId, username, firstName: 'Coach' });
  const { body } = expectStatus(
    await http.post<Body>(
      '/api/hub/channels/telegram',
      { botToken: token, apiBaseUrl: botApi.baseUrl },
      { token: owner.token },
    ),
    201,
  );
  return {
    connectionId: body.id,
    webhookUrl: body.webhookUrl,
    webhookPath: new URL(body.webhookUrl).pathname,
    token,
    botId,
    username,
  };
};

let lastUpdateId = randomInt(100_000_000, 800_000_000);
export const newUpdateId = () => {
  lastUpdateId += 1;
  return lastUpdateId;
};
export const newChatId = () => randomInt(100_000_000, 6_999_999_999);

/**
 * A Telegram Update from a fixture, for this chat (the user's id is the private chat's id). Text and callback
 * data replace the fixture's when given.
 */
export const telegramUpdate = (
  fixture: string,
  options: { chatId: number; updateId?: number; text?: string; bot?: TelegramBot },
) => {
  const update = readProviderFixture(`telegram/${fixture}`);
  update.update_id = options.updateId ?? newUpdateId();
  const message = update.message ?? update.callback_query?.message;
  if (update.callback_query) {
    update.callback_query.id = String(randomInt(1_000_000_000, 9_999_999_999)) + String(randomInt(1e8, 9e8));
    update.callback_query.from.id = options.chatId;
    if (options.bot) {
      message.from.id = options.bot.botId;
      message.from.username = options.bot.username;
    }
  } else {
    message.from.id = options.chatId;
    message.date = Math.floor(Date.now() / 1000);
  }
  if (message.chat.type === 'private') message.chat.id = options.chatId;
  if (options.text !== undefined) message.text = options.text;
  return update;
};
