import { backends } from '@companero/testing/backends';
import { type Body, type Creator, expectStatus, registerCreator } from '@companero/testing/creator-fixtures';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelTestServer, eventually, startChannelServer } from './channel-test-server';
import { type BotApiCall, type FakeBotApi, startFakeBotApi } from './fake-bot-api';
import { type FakeGraphApi, startFakeGraphApi } from './fake-graph-api';
import {
  connectTelegramBot,
  connectWhatsAppLine,
  newChatId,
  newWaId,
  ownerQuery,
  postWhatsApp,
  publicUrl,
  type TelegramBot,
  telegramUpdate,
  whatsappMessage,
} from './provider-fixtures';

const fallbackMessage = "I don't have that in my notes yet. I've passed your question on to your coach.";

describe.each(backends())('Telegram Bot API webhooks and sends on $name', (backend) => {
  let channel: ChannelTestServer;
  let http: HttpClient;
  let botApi: FakeBotApi;
  let graph: FakeGraphApi;
  let owner: Creator;
  let bot: TelegramBot;

  const deliver = async (target: TelegramBot, update: Body) => {
    const response = await botApi.deliver(target.token, update, channel.baseUrl);
    expect(response.status).toBe(200);
    return response.body as { ok: true; duplicate: boolean };
  };

  const storedInbound = (target: TelegramBot, updateId: number) =>
    ownerQuery(
      channel.server,
      `select id, member_id as "memberId", content, content_type as "contentType", metadata
         from messages where channel = 'telegram' and provider_message_id = $1`,
      [`${target.botId}:${updateId}`],
    );

  /** sendMessage calls Telegram accepted for one chat, waiting until there are `count`. */
  const acceptedMessages = (chatId: number, count = 1, timeoutMs = 30_000) =>
    eventually(
      async () => {
        const accepted = botApi.callsOf('sendMessage', { chatId }).filter((call) => call.ok);
        return accepted.length >= count ? accepted : undefined;
      },
      { what: `${count} accepted message(s) to chat ${chatId}`, timeoutMs, intervalMs: 50 },
    );

  const savePersona = async (creator: Creator, fallback: string) =>
    expectStatus(
      await http.request<Body>('PUT', '/api/hub/coach', {
        token: creator.token,
        body: {
          name: 'Coach',
          instructions: '',
          tone: 'warm',
          language: 'en',
          model: null,
          temperature: 0.3,
          fallbackMessage: fallback,
          welcomeMessage: 'Hi!',
        },
      }),
      200,
    );

  beforeAll(async () => {
    botApi = await startFakeBotApi();
    graph = await startFakeGraphApi();
    channel = await startChannelServer(backend, {
      PUBLIC_URL: publicUrl,
      CHANNEL_DELIVERY_RETRY_BASE_MS: '200',
      CHANNEL_DELIVERY_RETRY_MAX_MS: '2000',
    });
    http = channel.http;
    owner = await registerCreator(http, 'tg-owner');
    bot = await connectTelegramBot(http, owner, botApi);
  });

  afterAll(async () => {
    await channel?.close();
    await botApi?.close();
    await graph?.close();
  });

  describe('connecting a bot', () => {
    it('checks the token with getMe and registers the webhook with a fresh secret token', async () => {
      const getMe = botApi.callsOf('getMe', { token: bot.token });
      expect(getMe).toHaveLength(1);
      expect(getMe[0]!.ok).toBe(true);
      const [setWebhook] = botApi.callsOf('setWebhook', { token: bot.token });
      expect(setWebhook!.body.url).toBe(`${publicUrl}/api/channels/telegram/${bot.connectionId}/webhook`);
      expect(bot.webhookUrl).toBe(setWebhook!.body.url);
      expect(setWebhook!.body.secret_token).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
      expect(setWebhook!.body.allowed_updates).toEqual(expect.arrayContaining(['message', 'callback_query']));
      expect(getMe[0]!.at).toBeLessThanOrEqual(setWebhook!.at);

      const other = await connectTelegramBot(http, owner, botApi);
      const [otherWebhook] = botApi.callsOf('setWebhook', { token: other.token });
      expect(otherWebhook!.body.secret_token).not.toBe(setWebhook!.body.secret_token);

      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200);
      const listed = body.items.find((item: Body) => item.id === bot.connectionId);
      expect(listed).toMatchObject({
        channel: 'telegram',
        status: 'active',
        webhookUrl: setWebhook!.body.url,
        settings: { botId: bot.botId, botUsername: bot.username, apiBaseUrl: botApi.baseUrl },
      });
      const text = JSON.stringify(body);
      expect(text).not.toContain(bot.token);
      expect(text).not.toContain(setWebhook!.body.secret_token);
    });

    it('answers 422 to a token Telegram refuses, and saves nothing', async () => {
      const before = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200).body
        .items.length;
      const revoked = '7000000001:AAHrevokedTokenThatTelegramDoesNotKnow';
      const response = await http.post<Body>(
        '/api/hub/channels/telegram',
        { botToken: revoked, apiBaseUrl: botApi.baseUrl },
        { token: owner.token },
      );
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body.errors).toEqual([expect.objectContaining({ path: 'botToken' })]);
      expect(JSON.stringify(response.body)).not.toContain(revoked);
      expect(botApi.callsOf('getMe', { token: revoked })).toEqual([
        expect.objectContaining({ ok: false, description: 'Unauthorized' }),
      ]);
      expect(botApi.callsOf('setWebhook', { token: revoked })).toEqual([]);
      const after = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200).body
        .items.length;
      expect(after).toBe(before);
    });

    it('answers 422 when Telegram refuses the webhook, without blaming the token, and saves nothing', async () => {
      const creator = await registerCreator(http, 'tg-refused');
      const token = botApi.addBot({ id: 7_100_000_002, username: 'refused_coach_bot' });
      botApi.failNext('setWebhook', 1, {
        errorCode: 400,
        description: 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
      });
      const response = await http.post<Body>(
        '/api/hub/channels/telegram',
        { botToken: token, apiBaseUrl: botApi.baseUrl },
        { token: creator.token },
      );
      expect(response.status).toBe(422);
      expect(response.body.detail).toContain('An HTTPS URL must be provided for webhook');
      expect(response.body.errors ?? []).toEqual([]);
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: creator.token }), 200);
      expect(body.items).toEqual([]);
    });

    it('saves nothing when Telegram will not set the webhook now', async () => {
      const creator = await registerCreator(http, 'tg-busy');
      const token = botApi.addBot({ id: 7_100_000_001, username: 'busy_coach_bot' });
      botApi.throttleNext('setWebhook', 1, 30);
      const response = await http.post<Body>(
        '/api/hub/channels/telegram',
        { botToken: token, apiBaseUrl: botApi.baseUrl },
        { token: creator.token },
      );
      expect(response.status).toBe(502);
      expect(response.body.code).toBe('PROVIDER_ERROR');
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: creator.token }), 200);
      expect(body.items).toEqual([]);
      // The same bot connects once Telegram accepts again.
      expectStatus(
        await http.post<Body>(
          '/api/hub/channels/telegram',
          { botToken: token, apiBaseUrl: botApi.baseUrl },
          { token: creator.token },
        ),
        201,
      );
    });
  });

  describe('updates', () => {
    it('refuses a wrong or missing secret token with 403 and stores nothing', async () => {
      const chatId = newChatId();
      const update = telegramUpdate('private-text-message.json', { chatId });
      const post = (headers: Record<string, string>) =>
        http.request<Body>('POST', bot.webhookPath, {
          rawBody: JSON.stringify(update),
          headers: { 'content-type': 'application/json', ...headers },
        });
      const secret = botApi.webhookOf(bot.token)!.secretToken!;
      const missing = await post({});
      const wrong = await post({ 'x-telegram-bot-api-secret-token': `${secret.slice(0, -1)}x` });
      const other = await post({ 'x-telegram-bot-api-secret-token': 'short' });
      expect([missing.status, wrong.status, other.status]).toEqual([403, 403, 403]);
      expect(wrong.body.code).toBe('INVALID_WEBHOOK_SECRET');
      expect(await storedInbound(bot, update.update_id)).toEqual([]);
    });

    it('stores a private message and answers it with MarkdownV2 that Telegram accepts, showing typing', async () => {
      const chatId = newChatId();
      const update = telegramUpdate('private-text-message.json', { chatId });
      expect(await deliver(bot, update)).toEqual({ ok: true, duplicate: false });
      const [message, ...others] = await storedInbound(bot, update.update_id);
      expect(others).toEqual([]);
      expect(message).toMatchObject({ content: 'How many hours should I sleep?', contentType: 'text' });
      const [member] = await ownerQuery(channel.server, 'select name, locale from members where id = $1', [
        message!.memberId,
      ]);
      expect(member).toEqual({ name: 'Lucía Romero', locale: 'es' });

      const [sent] = await acceptedMessages(chatId);
      expect(sent!.body).toMatchObject({ chat_id: String(chatId), parse_mode: 'MarkdownV2' });
      expect(sent!.plainText).toBe(fallbackMessage);
      expect(sent!.body.text).toBe(
        "I don't have that in my notes yet\\. I've passed your question on to your coach\\.",
      );
      const typing = await eventually(async () => {
        const calls = botApi.callsOf('sendChatAction', { token: bot.token, chatId });
        return calls.length ? calls : undefined;
      });
      expect(typing).toEqual([
        expect.objectContaining({ ok: true, body: expect.objectContaining({ action: 'typing' }) }),
      ]);
      const [reply] = await eventually(async () => {
        const rows = await ownerQuery(
          channel.server,
          'select status, provider_message_id as "providerMessageId" from messages where reply_to_message_id = $1',
          [message!.id],
        );
        return rows[0]?.status === 'sent' ? rows : undefined;
      });
      expect(reply!.providerMessageId).toBe(String(sent!.result.message_id));
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200);
      expect(body.items.find((item: Body) => item.id === bot.connectionId).lastEventAt).not.toBeNull();
    });

    it('has one effect for a repeated update_id', async () => {
      const chatId = newChatId();
      const update = telegramUpdate('private-text-message.json', { chatId, text: 'Is coffee OK?' });
      const [first, second] = [await deliver(bot, update), await deliver(bot, update)];
      expect(first).toEqual({ ok: true, duplicate: false });
      expect(second).toEqual({ ok: true, duplicate: true });
      const atOnce = await Promise.all([1, 2, 3, 4].map(() => deliver(bot, update)));
      expect(atOnce.every((body) => body.duplicate)).toBe(true);
      expect(await storedInbound(bot, update.update_id)).toHaveLength(1);
      await acceptedMessages(chatId);
      const [message] = await storedInbound(bot, update.update_id);
      const deliveries = await eventually(async () => {
        const rows = await ownerQuery(
          channel.server,
          'select status from outbound_deliveries where member_id = $1',
          [message!.memberId],
        );
        return rows.every((row) => row.status === 'sent') ? rows : undefined;
      });
      expect(deliveries).toEqual([{ status: 'sent' }]);
      expect(botApi.callsOf('sendMessage', { chatId })).toHaveLength(1);
    });

    it('stores an inline button press as the button text and answers the callback query', async () => {
      const chatId = newChatId();
      // The member first writes, so Telegram knows the chat; then presses a button of an earlier message.
      await deliver(bot, telegramUpdate('private-text-message.json', { chatId }));
      await acceptedMessages(chatId);
      const press = telegramUpdate('callback-query.json', { chatId, bot });
      expect(await deliver(bot, press)).toEqual({ ok: true, duplicate: false });
      const [message] = await storedInbound(bot, press.update_id);
      expect(message).toMatchObject({ content: 'Evening stretch', contentType: 'button' });
      expect(message!.metadata).toMatchObject({ callbackData: 'qr:1' });
      const answered = await eventually(async () =>
        botApi
          .callsOf('answerCallbackQuery', { token: bot.token })
          .find((call) => call.body.callback_query_id === press.callback_query.id),
      );
      expect(answered.ok).toBe(true);
      await acceptedMessages(chatId, 2);
    });

    it('ignores group chats and edits', async () => {
      const groupUpdate = telegramUpdate('group-text-message.json', { chatId: newChatId() });
      expect(await deliver(bot, groupUpdate)).toEqual({ ok: true, duplicate: false });
      expect(await storedInbound(bot, groupUpdate.update_id)).toEqual([]);
      const chatId = newChatId();
      const original = telegramUpdate('private-text-message.json', { chatId });
      const edit = { update_id: original.update_id, edited_message: { ...original.message, edit_date: 1 } };
      expect(await deliver(bot, edit)).toEqual({ ok: true, duplicate: false });
      expect(await storedInbound(bot, edit.update_id)).toEqual([]);
      expect(botApi.callsOf('sendMessage', { chatId })).toEqual([]);
      expect(botApi.callsOf('sendMessage', { chatId: groupUpdate.message.chat.id })).toEqual([]);
      expect(botApi.callsOf('sendChatAction', { chatId: groupUpdate.message.chat.id })).toEqual([]);
    });

    it('parks the reply in the dead letters when the member blocked the bot, without retrying', async () => {
      const chatId = newChatId();
      botApi.block(bot.token, chatId);
      const update = telegramUpdate('private-text-message.json', { chatId, text: 'Bye' });
      await deliver(bot, update);
      const [message] = await storedInbound(bot, update.update_id);
      const dead = await eventually(async () => {
        const { body } = expectStatus(
          await http.get<Body>('/api/hub/channels/deliveries?status=dead', { token: owner.token }),
          200,
        );
        return body.items.find((item: Body) => item.memberId === message!.memberId);
      });
      expect(dead).toMatchObject({
        channel: 'telegram',
        attempts: 1,
        lastError: 'Telegram sendMessage: Forbidden: bot was blocked by the user',
      });
      expect(botApi.callsOf('sendMessage', { chatId })).toHaveLength(1);
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200);
      expect(body.items.find((item: Body) => item.id === bot.connectionId).status).toBe('active');
    });

    it('shows the connection in error when Telegram no longer accepts the token', async () => {
      const creator = await registerCreator(http, 'tg-revoked');
      const revoked = await connectTelegramBot(http, creator, botApi);
      botApi.revoke(revoked.token);
      const chatId = newChatId();
      await deliver(revoked, telegramUpdate('private-text-message.json', { chatId }));
      const listed = await eventually(async () => {
        const { body } = expectStatus(
          await http.get<Body>('/api/hub/channels', { token: creator.token }),
          200,
        );
        const item = body.items.find((candidate: Body) => candidate.id === revoked.connectionId);
        return item.status === 'error' ? item : undefined;
      });
      expect(listed.lastError).toBe('Telegram sendMessage: Unauthorized');
      const { body } = expectStatus(
        await http.get<Body>('/api/hub/channels/deliveries?status=dead', { token: creator.token }),
        200,
      );
      expect(body.items).toEqual([expect.objectContaining({ channel: 'telegram', attempts: 1 })]);
    });

    it('paces replies to one chat at about one message per second', async () => {
      const chatId = newChatId();
      for (const text of ['One?', 'Two?', 'Three?'])
        await deliver(bot, telegramUpdate('private-text-message.json', { chatId, text }));
      const sent = await acceptedMessages(chatId, 3);
      // The pace is a fixed one-second window per chat (the rate limiter's): three sends need three windows, so
      // they span more than a second, though two may fall either side of a window's edge.
      expect(sent[1]!.at).toBeGreaterThan(sent[0]!.at);
      expect(sent[2]!.at).toBeGreaterThan(sent[1]!.at);
      expect(sent[2]!.at - sent[0]!.at).toBeGreaterThanOrEqual(1000);
      expect(botApi.callsOf('sendMessage', { chatId }).every((call) => call.ok)).toBe(true);
    });

    it('waits for retry_after when Telegram throttles the bot', async () => {
      const chatId = newChatId();
      botApi.throttleNext('sendMessage', 1, 1);
      await deliver(bot, telegramUpdate('private-text-message.json', { chatId, text: 'Too fast?' }));
      const [sent] = await acceptedMessages(chatId);
      const attempts = botApi.callsOf('sendMessage', { chatId });
      expect(attempts.map((call) => call.ok)).toEqual([false, true]);
      expect(attempts[0]!.description).toBe('Too Many Requests: retry after 1');
      expect(sent!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1000);
    });
  });

  describe('formatting', () => {
    let stylist: Creator;
    let stylistBot: TelegramBot;

    beforeAll(async () => {
      stylist = await registerCreator(http, 'tg-stylist');
      stylistBot = await connectTelegramBot(http, stylist, botApi);
    });

    const replyTo = async (text: string) => {
      const chatId = newChatId();
      await deliver(stylistBot, telegramUpdate('private-text-message.json', { chatId, text }));
      return chatId;
    };

    it("escapes every reserved character so Telegram parses the coach's text as written", async () => {
      await savePersona(
        stylist,
        'Sleep **7-9 hours** (really!) & use `wind_down()` at 22.30 — _no_ screens [see #3] > 2 ~ {plan} = a+b | c. \\o/',
      );
      const chatId = await replyTo('How long should I sleep?');
      const [sent] = await acceptedMessages(chatId);
      expect(sent!.body.parse_mode).toBe('MarkdownV2');
      expect(sent!.plainText).toBe(
        'Sleep 7-9 hours (really!) & use wind_down() at 22.30 — _no_ screens [see #3] > 2 ~ {plan} = a+b | c. \\o/',
      );
      expect(sent!.body.text).toContain('*7\\-9 hours*');
      expect(sent!.body.text).toContain('`wind_down()`');
    });

    it('splits a reply longer than 4096 characters into messages Telegram accepts', async () => {
      const paragraph = (index: number) =>
        `Step ${index}. Walk for 10-15 minutes (outside, if you can!) and note how you feel: energy, mood, sleep. `.repeat(
          6,
        );
      const long = Array.from({ length: 16 }, (_, index) => paragraph(index + 1).trim()).join('\n\n');
      expect(long.length).toBeGreaterThan(9000);
      // The persona API caps the fallback at 2000 characters; a model's answer has no such cap.
      await savePersona(stylist, 'placeholder');
      await ownerQuery(
        channel.server,
        'update coach_personas set fallback_message = $2 where creator_id = $1',
        [stylist.creatorId, long],
      );
      const chatId = await replyTo('Give me the whole plan');
      const parts = await eventually(
        async () => {
          const calls = botApi.callsOf('sendMessage', { chatId });
          const text = calls
            .filter((call) => call.ok)
            .map((call) => call.plainText)
            .join('');
          return text.replace(/\s/g, '') === long.replace(/\s/g, '') ? calls : undefined;
        },
        { what: 'every part of the long reply' },
      );
      expect(parts.length).toBeGreaterThanOrEqual(3);
      expect(parts.every((call: BotApiCall) => call.ok)).toBe(true);
      expect(parts.every((call: BotApiCall) => call.plainText!.length <= 4096)).toBe(true);
      expect(parts.every((call: BotApiCall) => call.body.parse_mode === 'MarkdownV2')).toBe(true);
      // Parts end at paragraph boundaries.
      expect(parts.slice(0, -1).every((call: BotApiCall) => call.plainText!.endsWith('sleep.'))).toBe(true);
    });
  });

  describe('identities and connections', () => {
    it('joins a Telegram chat to the WhatsApp member who asked for a link code (/start <code>)', async () => {
      const line = await connectWhatsAppLine(http, owner, graph);
      const waId = newWaId();
      const { payload, wamid } = whatsappMessage(
        'text-message.json',
        line,
        { waId, name: 'Lucía R.' },
        {
          text: 'link',
        },
      );
      expectStatus(await postWhatsApp(http, line, payload), 200);
      const codeMessage = await eventually(async () =>
        graph.sentTo(waId).find((request) => request.status === 200),
      );
      const code = /link code is (\d{6})/.exec(codeMessage.body.text.body)?.[1];
      expect(code).toMatch(/^\d{6}$/);
      const [{ memberId }] = (await ownerQuery(
        channel.server,
        'select member_id as "memberId" from messages where provider_message_id = $1',
        [wamid],
      )) as [{ memberId: string }];

      const chatId = newChatId();
      const start = telegramUpdate('start-command.json', { chatId, text: `/start ${code}` });
      expect(await deliver(bot, start)).toEqual({ ok: true, duplicate: false });
      const [confirmation] = await acceptedMessages(chatId);
      expect(confirmation!.plainText).toContain('This chat is now linked');

      const { body: member } = expectStatus(
        await http.get<Body>(`/api/hub/members/${memberId}`, { token: owner.token }),
        200,
      );
      expect(
        member.identities.map((identity: Body) => [identity.channel, identity.externalId]).sort(),
      ).toEqual([
        ['telegram', String(chatId)],
        ['whatsapp', waId],
      ]);
      // The code works once.
      const reuse = telegramUpdate('start-command.json', { chatId: newChatId(), text: `/start ${code}` });
      await deliver(bot, reuse);
      const [refusal] = await acceptedMessages(reuse.message.chat.id);
      expect(refusal!.plainText).toContain('unknown or has expired');
    });

    it('answers each member through the bot they wrote to when a creator has two bots', async () => {
      const creator = await registerCreator(http, 'tg-two-bots');
      const first = await connectTelegramBot(http, creator, botApi);
      const chatId = newChatId();
      await deliver(first, telegramUpdate('private-text-message.json', { chatId }));
      await acceptedMessages(chatId);
      await connectTelegramBot(http, creator, botApi);
      await deliver(first, telegramUpdate('private-text-message.json', { chatId, text: 'Still there?' }));
      const replies = await acceptedMessages(chatId, 2);
      expect(replies.map((call) => call.token)).toEqual([first.token, first.token]);
      const typing = await eventually(async () => {
        const calls = botApi.callsOf('sendChatAction', { chatId });
        return calls.length === 2 ? calls : undefined;
      });
      expect(typing.map((call) => [call.token, call.ok])).toEqual([
        [first.token, true],
        [first.token, true],
      ]);
    });

    it('deletes the webhook with Telegram when the connection is removed; later updates get 404', async () => {
      const leaving = await connectTelegramBot(http, owner, botApi);
      const secret = botApi.webhookOf(leaving.token)!.secretToken!;
      expect(
        (
          await http.delete<Body>(`/api/hub/channels/${leaving.connectionId}`, undefined, {
            token: owner.token,
          })
        ).status,
      ).toBe(204);
      expect(botApi.callsOf('deleteWebhook', { token: leaving.token })).toEqual([
        expect.objectContaining({ ok: true }),
      ]);
      expect(botApi.webhookOf(leaving.token)).toBeUndefined();
      const late = telegramUpdate('private-text-message.json', { chatId: newChatId() });
      const response = await http.request<Body>('POST', leaving.webhookPath, {
        rawBody: JSON.stringify(late),
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      });
      expect(response.status).toBe(404);
      expect(await storedInbound(leaving, late.update_id)).toEqual([]);
    });
  });
});
