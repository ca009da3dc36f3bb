import { ProviderError } from '@companero/channels/provider-error';
import { createTelegramApi } from '@companero/channels/telegram/telegram-api';
import { createWhatsAppGraphApi } from '@companero/channels/whatsapp/graph-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTelegramMarkdown } from '../src/senders/telegram-markdown';
import { type FakeBotApi, parseMarkdownV2, startFakeBotApi } from './fake-bot-api';
import { type FakeGraphApi, startFakeGraphApi } from './fake-graph-api';

// The channel tests are only as honest as their fakes: these check that the fakes answer what the providers
// document, through the same API clients the senders use, and that those clients classify the answers.

const rejection = async (call: Promise<unknown>): Promise<ProviderError> => {
  try {
    await call;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
};

describe('the MarkdownV2 rules of the fake Bot API', () => {
  it.each([
    ['Hello\\.', 'Hello.'],
    ['*bold* _italic_ __underline__ ~strike~ ||spoiler||', 'bold italic underline strike spoiler'],
    ['`a_b*c.d`', 'a_b*c.d'],
    ['```js\nconst x = 1;\n```', 'const x = 1;\n'],
    ['[docs](https://example.com/a_(b\\))', 'docs'],
    ['>quoted line', 'quoted line'],
  ])('accepts %j', (text, plain) => {
    expect(parseMarkdownV2(text)).toBe(plain);
  });

  it.each([
    ['Hello.', "Character '.' is reserved"],
    ['7-9 hours', "Character '-' is reserved"],
    ['(really)', "Character '(' is reserved"],
    ['a > b', "Character '>' is reserved"],
    ['*bold', "Can't find end of Bold entity at byte offset 0"],
    ['ok `code', "Can't find end of Code entity at byte offset 3"],
  ])('rejects %j like Telegram', (text, description) => {
    expect(() => parseMarkdownV2(text)).toThrow(description);
  });

  it.each([
    "I don't have that in my notes yet. I've passed your question on to your coach.",
    'Sleep **7-9 hours** (really!) & use `wind_down()` at 22.30 [see #3] > 2 ~ {plan} = a+b | c. \\o/',
    '**Tip:** drink water_before_meals! `x = y * 2` _not italic_ ||not spoiler|| ~~no~~',
    '1. Walk\n2. Stretch\n> not a quote\n- list item',
  ])('reads what toTelegramMarkdown makes of %j as the coach wrote it', (text) => {
    expect(parseMarkdownV2(toTelegramMarkdown(text))).toBe(
      text.replace(/\*\*([^*\n]+)\*\*/g, '$1').replace(/`([^`\n]+)`/g, '$1'),
    );
  });
});

describe('the fake Bot API through the grammY client', () => {
  let botApi: FakeBotApi;
  let token: string;
  const chatId = 5038716244;

  beforeAll(async () => {
    botApi = await startFakeBotApi();
    token = botApi.addBot({ id: 7412953860, username: 'coach_ana_bot' });
    botApi.openChat(token, chatId);
  });
  afterAll(() => botApi.close());

  it('answers getMe for its bots and 401 for other tokens', async () => {
    expect(await createTelegramApi(token, botApi.baseUrl).getMe()).toMatchObject({
      id: 7412953860,
      is_bot: true,
      username: 'coach_ana_bot',
    });
    const error = await rejection(
      createTelegramApi('123456:unknownTokenOfSomeoneElse', botApi.baseUrl).getMe(),
    );
    expect(error).toMatchObject({ status: 401, retryable: false });
  });

  it('refuses plain HTTP webhooks and malformed secret tokens', async () => {
    const api = createTelegramApi(token, botApi.baseUrl);
    expect(await rejection(api.setWebhook('http://coach.example.com/hook', 'secret'))).toMatchObject({
      status: 400,
      message: expect.stringContaining('An HTTPS URL must be provided'),
    });
    expect(await rejection(api.setWebhook('https://coach.example.com/hook', 'has spaces'))).toMatchObject({
      status: 400,
      message: expect.stringContaining('secret token contains unallowed characters'),
    });
  });

  it('rejects unescaped MarkdownV2, unknown chats and texts over 4096 characters as Telegram does', async () => {
    const api = createTelegramApi(token, botApi.baseUrl);
    expect(await rejection(api.sendMessage(chatId, 'Hello.', { parseMode: 'MarkdownV2' }))).toMatchObject({
      status: 400,
      retryable: false,
      message: expect.stringContaining("can't parse entities: Character '.' is reserved"),
    });
    expect(await rejection(api.sendMessage(42, 'Hello'))).toMatchObject({
      message: 'Telegram sendMessage: Bad Request: chat not found',
    });
    expect(await rejection(api.sendMessage(chatId, 'a'.repeat(4097)))).toMatchObject({
      message: 'Telegram sendMessage: Bad Request: message is too long',
    });
    expect(await api.sendMessage(chatId, 'a'.repeat(4096))).toMatchObject({ chat: { id: chatId } });
  });

  it('answers 429 with retry_after, which the client turns into a wait', async () => {
    botApi.throttleNext('sendMessage', 1, 3);
    const error = await rejection(createTelegramApi(token, botApi.baseUrl).sendMessage(chatId, 'Hi'));
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 3000 });
  });
});

describe('the fake Graph API through the WhatsApp client', () => {
  let graph: FakeGraphApi;
  const phoneNumberId = '106540352242922';
  const accessToken = 'EAAGtestAccessTokenForTheFake';
  const api = (token = accessToken) =>
    createWhatsAppGraphApi({ phoneNumberId, accessToken: token, apiBaseUrl: graph.baseUrl });
  const text = { kind: 'text' as const, to: '16505551234', text: 'Hi there' };

  beforeAll(async () => {
    graph = await startFakeGraphApi();
    graph.addPhoneNumber(phoneNumberId, accessToken);
  });
  afterAll(() => graph.close());

  it('answers a send with a wamid and records it', async () => {
    const { providerMessageId } = await api().send(text);
    expect(providerMessageId).toMatch(/^wamid\./);
    expect(graph.requests.at(-1)).toMatchObject({
      path: `/v21.0/${phoneNumberId}/messages`,
      authorization: `Bearer ${accessToken}`,
      status: 200,
    });
  });

  it('refuses a wrong token with 401 (code 190), not retried', async () => {
    expect(await rejection(api('EAAGsomeoneElsesToken').send(text))).toMatchObject({
      status: 401,
      retryable: false,
      message: expect.stringContaining('code 190'),
    });
  });

  it('classifies throttling and outages as retryable, bad requests as final', async () => {
    graph.failNext(1, 'rate-limited');
    graph.failNext(1, 'server-error');
    graph.failNext(1, 'invalid-parameter');
    graph.failNext(1, 'outside-window');
    expect(await rejection(api().send(text))).toMatchObject({ status: 429, retryable: true });
    expect(await rejection(api().send(text))).toMatchObject({ status: 500, retryable: true });
    expect(await rejection(api().send(text))).toMatchObject({ status: 400, retryable: false });
    expect(await rejection(api().send(text))).toMatchObject({
      status: 400,
      retryable: false,
      message: expect.stringContaining('131047'),
    });
    expect(await rejection(api().send({ ...text, text: 'x'.repeat(4097) }))).toMatchObject({ status: 400 });
  });
});
