import { randomUUID } from 'node:crypto';
import { backends } from '@companero/testing/backends';
import { type Body, type Creator, expectStatus, registerCreator } from '@companero/testing/creator-fixtures';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelTestServer, eventually, startChannelServer } from './channel-test-server';
import { type FakeBotApi, startFakeBotApi } from './fake-bot-api';
import { type FakeGraphApi, type GraphRequest, startFakeGraphApi } from './fake-graph-api';
import {
  connectTelegramBot,
  connectWhatsAppLine,
  metaSignature,
  newChatId,
  newWaId,
  ownerQuery,
  postWhatsApp,
  publicUrl,
  type TelegramBot,
  telegramUpdate,
  type WaContact,
  type WhatsAppLine,
  whatsappMessage,
  whatsappStatus,
} from './provider-fixtures';

const fallbackMessage = "I don't have that in my notes yet. I've passed your question on to your coach.";
const mediaNotice = 'I can only read text messages for now';

describe.each(backends())('WhatsApp Cloud API webhooks and sends on $name', (backend) => {
  let channel: ChannelTestServer;
  let http: HttpClient;
  let graph: FakeGraphApi;
  let botApi: FakeBotApi;
  let owner: Creator;
  let line: WhatsAppLine;

  const newContact = (name = 'José Núñez'): WaContact => ({ waId: newWaId(), name });

  const storedInbound = (wamid: string) =>
    ownerQuery(
      channel.server,
      `select id, member_id as "memberId", content, content_type as "contentType", metadata, conversation_id as "conversationId"
         from messages where channel = 'whatsapp' and provider_message_id = $1`,
      [wamid],
    );

  /** The graph requests to one member that Meta accepted, waiting until there are `count`. */
  const acceptedSends = (waId: string, count = 1, timeoutMs = 30_000) =>
    eventually(
      async () => {
        const accepted = graph.sentTo(waId).filter((request) => request.status === 200);
        return accepted.length >= count ? accepted : undefined;
      },
      { what: `${count} accepted send(s) to ${waId}`, timeoutMs, intervalMs: 50 },
    );

  const deliveriesOf = (memberId: string) =>
    ownerQuery(
      channel.server,
      `select id, status, attempts, last_error as "lastError", channel, message_id as "messageId",
              provider_message_id as "providerMessageId"
         from outbound_deliveries where member_id = $1 order by created_at`,
      [memberId],
    );

  const deliveryWithStatus = (memberId: string, status: string) =>
    eventually(async () => (await deliveriesOf(memberId)).find((delivery) => delivery.status === status), {
      what: `a ${status} delivery for ${memberId}`,
      intervalMs: 50,
    });

  /** A member writes; answers the stored message once the reply left through the Graph API. */
  const converse = async (contact: WaContact, text: string) => {
    const before = graph.sentTo(contact.waId).filter((request) => request.status === 200).length;
    const { payload, wamid } = whatsappMessage('text-message.json', line, contact, { text });
    expectStatus(await postWhatsApp(http, line, payload), 200);
    const sends = await acceptedSends(contact.waId, before + 1);
    const [message] = await storedInbound(wamid);
    return { message: message!, send: sends[before]!, wamid };
  };

  beforeAll(async () => {
    graph = await startFakeGraphApi();
    botApi = await startFakeBotApi();
    channel = await startChannelServer(backend, {
      PUBLIC_URL: publicUrl,
      CHANNEL_DELIVERY_RETRY_BASE_MS: '300',
      CHANNEL_DELIVERY_RETRY_MAX_MS: '2000',
      CHANNEL_DELIVERY_MAX_ATTEMPTS: '4',
    });
    http = channel.http;
    owner = await registerCreator(http, 'wa-owner');
    line = await connectWhatsAppLine(http, owner, graph);
  });

  afterAll(async () => {
    await channel?.close();
    await graph?.close();
    await botApi?.close();
  });

  describe("Meta's subscription check (GET)", () => {
    const verify = (path: string, query: Record<string, string>) =>
      http.get<Body>(`${path}?${new URLSearchParams(query)}`);

    it('answers hub.challenge as text/plain when the verify token matches', async () => {
      const response = await verify(line.webhookPath, {
        'hub.mode': 'subscribe',
        'hub.verify_token': line.verifyToken,
        'hub.challenge': '1158201444',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(response.body).toBe('1158201444');
    });

    it('refuses a wrong verify token with 403 and an unknown connection with 404', async () => {
      const wrong = await verify(line.webhookPath, {
        'hub.mode': 'subscribe',
        'hub.verify_token': `${line.verifyToken}x`,
        'hub.challenge': '1158201444',
      });
      expect(wrong.status).toBe(403);
      expect(JSON.stringify(wrong.body)).not.toContain('1158201444');
      const notSubscribe = await verify(line.webhookPath, {
        'hub.mode': 'unsubscribe',
        'hub.verify_token': line.verifyToken,
        'hub.challenge': '1158201444',
      });
      expect(notSubscribe.status).toBe(403);
      const unknown = await verify(`/api/channels/whatsapp/${randomUUID()}/webhook`, {
        'hub.mode': 'subscribe',
        'hub.verify_token': line.verifyToken,
        'hub.challenge': '1158201444',
      });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const bot = await connectTelegramBot(http, owner, botApi);
      const telegramId = await verify(`/api/channels/whatsapp/${bot.connectionId}/webhook`, {
        'hub.mode': 'subscribe',
        'hub.verify_token': line.verifyToken,
        'hub.challenge': '1158201444',
      });
      expect(telegramId.status).toBe(404);
    });
  });

  describe('messages (POST)', () => {
    it('refuses a missing or wrong signature with 401 and stores nothing', async () => {
      const contact = newContact();
      const { payload, wamid } = whatsappMessage('text-message.json', line, contact, { text: 'hello' });
      const unsigned = await postWhatsApp(http, line, payload, { signature: null });
      expect(unsigned.status).toBe(401);
      const otherSecret = await postWhatsApp(http, line, payload, {
        signature: metaSignature(JSON.stringify(payload), 'not-the-app-secret'),
      });
      expect(otherSecret.status).toBe(401);
      // Signed over the parsed-and-reserialised JSON instead of the bytes Meta sent.
      const reserialised = await postWhatsApp(http, line, payload, {
        signature: metaSignature(JSON.stringify(payload), line.appSecret),
      });
      expect(reserialised.status).toBe(401);
      expect(reserialised.body.code).toBe('INVALID_SIGNATURE');
      expect(await storedInbound(wamid)).toEqual([]);
      expect(
        await ownerQuery(channel.server, 'select 1 from channel_identities where external_id = $1', [
          contact.waId,
        ]),
      ).toEqual([]);
    });

    it('answers 400 to malformed JSON and 422 to JSON of another shape', async () => {
      const malformed = '{"object":"whatsapp_business_account","entry":[';
      const broken = await postWhatsApp(http, line, null, { rawBody: malformed });
      expect(broken.status).toBe(400);
      const pageWebhook = { object: 'page', entry: [{ id: '1', time: 1, messaging: [] }] };
      const otherShape = await postWhatsApp(http, line, pageWebhook);
      expect(otherShape.status).toBe(422);
      expect(otherShape.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'object' })]),
      );
    });

    it('stores a text message once and answers it through the Graph API', async () => {
      const contact = newContact();
      const { payload, wamid } = whatsappMessage('text-message.json', line, contact, {
        text: 'Does it come in another color?',
      });
      const response = await postWhatsApp(http, line, payload);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ received: 1, duplicates: 0, receipts: 0 });

      const [message, ...others] = await storedInbound(wamid);
      expect(others).toEqual([]);
      expect(message).toMatchObject({ content: 'Does it come in another color?', contentType: 'text' });
      const [member] = await ownerQuery(channel.server, 'select name, phone from members where id = $1', [
        message!.memberId,
      ]);
      expect(member).toEqual({ name: 'José Núñez', phone: `+${contact.waId}` });

      const [send] = await acceptedSends(contact.waId);
      expect(send).toMatchObject<Partial<GraphRequest>>({
        method: 'POST',
        path: `/v21.0/${line.phoneNumberId}/messages`,
        authorization: `Bearer ${line.accessToken}`,
      });
      expect(send!.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: contact.waId,
        type: 'text',
        text: { preview_url: false, body: fallbackMessage },
      });
      const [reply] = await eventually(
        async () => {
          const rows = await ownerQuery(
            channel.server,
            `select status, provider_message_id as "providerMessageId" from messages where reply_to_message_id = $1`,
            [message!.id],
          );
          return rows[0]?.status === 'sent' ? rows : undefined;
        },
        { what: 'the reply marked sent', intervalMs: 50 },
      );
      expect(reply!.providerMessageId).toMatch(/^wamid\./);
      const [delivery] = await deliveriesOf(message!.memberId);
      expect(delivery).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    });

    it('has one effect when Meta delivers the same message again, also concurrently', async () => {
      const contact = newContact('Ana');
      const postAtOnce = (payload: unknown, times: number) =>
        Promise.all(Array.from({ length: times }, () => postWhatsApp(http, line, payload)));
      // A first contact delivered eight times at once (Meta retries while the first delivery is in flight).
      const first = whatsappMessage('text-message.json', line, contact, { text: 'hello?' });
      const firstRound = await postAtOnce(first.payload, 8);
      expect(firstRound.map((response) => response.status)).toEqual(Array(8).fill(200));
      expect(firstRound.filter((response) => response.body.duplicates === 0)).toHaveLength(1);
      const later = await postWhatsApp(http, line, first.payload);
      expect(later.body).toEqual({ received: 1, duplicates: 1, receipts: 0 });
      // The now-known member's next message, again eight times at once.
      const second = whatsappMessage('text-message.json', line, contact, { text: 'and at once?' });
      const secondRound = await postAtOnce(second.payload, 8);
      expect(secondRound.map((response) => response.status)).toEqual(Array(8).fill(200));
      expect(secondRound.filter((response) => response.body.duplicates === 0)).toHaveLength(1);

      const [firstMessage, ...moreFirst] = await storedInbound(first.wamid);
      const [secondMessage, ...moreSecond] = await storedInbound(second.wamid);
      expect([moreFirst, moreSecond]).toEqual([[], []]);
      const memberIds = await ownerQuery(
        channel.server,
        'select member_id as "memberId" from channel_identities where external_id = $1',
        [contact.waId],
      );
      expect(memberIds).toEqual([{ memberId: firstMessage!.memberId }]);
      expect(secondMessage!.memberId).toBe(firstMessage!.memberId);
      const deliveries = await eventually(
        async () => {
          const rows = await deliveriesOf(firstMessage!.memberId);
          return rows.length === 2 && rows.every((row) => row.status === 'sent') ? rows : undefined;
        },
        { what: 'both replies sent', intervalMs: 50 },
      );
      expect(deliveries).toHaveLength(2);
      const replies = await ownerQuery(
        channel.server,
        'select reply_to_message_id as "to" from messages where reply_to_message_id = any($1::uuid[])',
        [[firstMessage!.id, secondMessage!.id]],
      );
      expect(replies).toHaveLength(2);
      expect(graph.sentTo(contact.waId).filter((request) => request.status === 200)).toHaveLength(2);
    });

    it.each([
      ['interactive-button-reply.json', 'Start my plan', { buttonId: 'qr:0:Start my plan' }],
      ['interactive-list-reply.json', 'Evening routine', { listId: 'evening-routine' }],
    ])('stores a %s as the chosen title and answers it', async (fixture, title, metadata) => {
      const contact = newContact();
      const { payload, wamid } = whatsappMessage(fixture, line, contact);
      expectStatus(await postWhatsApp(http, line, payload), 200);
      const [message] = await storedInbound(wamid);
      expect(message).toMatchObject({ content: title, contentType: 'button' });
      expect(message!.metadata).toMatchObject({ waType: 'interactive', ...metadata });
      const [send] = await acceptedSends(contact.waId);
      expect(send!.body.text.body).toBe(fallbackMessage);
    });

    it('skips changes for another phone number of the same app', async () => {
      const contact = newContact();
      const { payload, wamid } = whatsappMessage(
        'text-message.json',
        { phoneNumberId: '109999999999999' },
        contact,
      );
      const response = await postWhatsApp(http, line, payload);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ received: 0, duplicates: 0, receipts: 0 });
      expect(await storedInbound(wamid)).toEqual([]);
    });

    it('splits a reply longer than 4096 characters into several text messages', async () => {
      const creator = await registerCreator(http, 'wa-long');
      const longLine = await connectWhatsAppLine(http, creator, graph);
      const paragraph = (index: number) =>
        `Week ${index}: walk 30 minutes a day, drink water before each meal and write down how you slept. `.repeat(
          6,
        );
      const long = Array.from({ length: 16 }, (_, index) => paragraph(index + 1).trim()).join('\n\n');
      expect(long.length).toBeGreaterThan(2 * 4096);
      // The persona API caps the fallback at 2000 characters; a model's answer has no such cap.
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
            fallbackMessage: 'placeholder',
            welcomeMessage: 'Hi!',
          },
        }),
        200,
      );
      await ownerQuery(
        channel.server,
        'update coach_personas set fallback_message = $2 where creator_id = $1',
        [creator.creatorId, long],
      );
      const contact = newContact();
      const { payload } = whatsappMessage('text-message.json', longLine, contact, {
        text: 'The whole plan?',
      });
      expectStatus(await postWhatsApp(http, longLine, payload), 200);
      const parts = await eventually(
        async () => {
          const sends = graph.sentTo(contact.waId).filter((request) => request.status === 200);
          const text = sends.map((request) => request.body.text.body).join('');
          return text.replace(/\s/g, '') === long.replace(/\s/g, '') ? sends : undefined;
        },
        { what: 'every part of the long reply' },
      );
      expect(parts.length).toBeGreaterThanOrEqual(3);
      expect(parts.every((request) => request.body.text.body.length <= 4096)).toBe(true);
      expect(parts.slice(0, -1).every((request) => request.body.text.body.endsWith('slept.'))).toBe(true);
    });

    it('stores an image and answers that only text can be read', async () => {
      const contact = newContact();
      const { payload, wamid } = whatsappMessage('image-message.json', line, contact);
      expectStatus(await postWhatsApp(http, line, payload), 200);
      const [message] = await storedInbound(wamid);
      expect(message).toMatchObject({ content: '[media]', contentType: 'media' });
      const [send] = await acceptedSends(contact.waId);
      expect(send!.body.text.body).toContain(mediaNotice);
      const [reply] = await ownerQuery(
        channel.server,
        'select author from messages where reply_to_message_id = $1',
        [message!.id],
      );
      expect(reply).toEqual({ author: 'system' });
    });
  });

  describe('statuses', () => {
    const statusOf = async (providerMessageId: string) =>
      (
        await ownerQuery(channel.server, 'select status from messages where provider_message_id = $1', [
          providerMessageId,
        ])
      )[0]?.status;

    it('moves our message forward only: a late "delivered" does not undo "read"', async () => {
      const contact = newContact();
      const { message } = await converse(contact, 'How much water should I drink?');
      const sent = (await deliveryWithStatus(message.memberId, 'sent')).providerMessageId as string;
      expect(sent).toMatch(/^wamid\./);
      const post = async (status: 'sent' | 'delivered' | 'read') => {
        const response = await postWhatsApp(
          http,
          line,
          whatsappStatus(status, line, { wamid: sent, recipient: contact.waId }),
        );
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ received: 0, duplicates: 0, receipts: 1 });
      };
      await post('sent');
      expect(await statusOf(sent)).toBe('sent');
      await post('delivered');
      expect(await statusOf(sent)).toBe('delivered');
      await post('read');
      expect(await statusOf(sent)).toBe('read');
      await post('delivered');
      await post('sent');
      expect(await statusOf(sent)).toBe('read');
    });

    it('records a "failed" status with its error and moves the delivery to the dead letters', async () => {
      const contact = newContact();
      const { message } = await converse(contact, 'Can I run every day?');
      const delivery = await deliveryWithStatus(message.memberId, 'sent');
      const response = await postWhatsApp(
        http,
        line,
        whatsappStatus('failed', line, { wamid: delivery.providerMessageId, recipient: contact.waId }),
      );
      expect(response.status).toBe(200);
      expect(await statusOf(delivery.providerMessageId)).toBe('failed');
      const dead = expectStatus(
        await http.get<Body>('/api/hub/channels/deliveries?status=dead', { token: owner.token }),
        200,
      ).body.items.find((item: Body) => item.id === delivery.id);
      expect(dead).toMatchObject({ status: 'dead', lastError: '131026 Message undeliverable' });
    });
  });

  describe('outbound queue', () => {
    it('retries a throttled (429) and a failing (500) Graph API until the message is sent', async () => {
      graph.failNext(1, 'rate-limited');
      graph.failNext(1, 'server-error');
      const contact = newContact();
      const { payload } = whatsappMessage('text-message.json', line, contact, { text: 'Any tips?' });
      expectStatus(await postWhatsApp(http, line, payload), 200);
      await acceptedSends(contact.waId);
      const attempts = graph.sentTo(contact.waId);
      expect(attempts.map((request) => request.status)).toEqual([429, 500, 200]);
      // Backoff with jitter: at least half of 300 ms, then half of 600 ms.
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(150);
      expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(300);
      const [member] = await ownerQuery(
        channel.server,
        'select member_id as "memberId" from channel_identities where external_id = $1',
        [contact.waId],
      );
      const delivery = await deliveryWithStatus(member!.memberId, 'sent');
      expect(delivery).toMatchObject({ attempts: 3, lastError: null });
    });

    it('gives up after CHANNEL_DELIVERY_MAX_ATTEMPTS failing attempts and parks the message', async () => {
      graph.failNext(4, 'server-error');
      const contact = newContact();
      const { payload, wamid } = whatsappMessage('text-message.json', line, contact, { text: 'Still down?' });
      expectStatus(await postWhatsApp(http, line, payload), 200);
      const [message] = await eventually(async () => {
        const rows = await storedInbound(wamid);
        return rows.length ? rows : undefined;
      });
      const dead = await deliveryWithStatus(message!.memberId, 'dead');
      expect(dead).toMatchObject({
        attempts: 4,
        lastError: expect.stringContaining('WhatsApp 500 (code 1)'),
      });
      expect(graph.sentTo(contact.waId).map((request) => request.status)).toEqual([500, 500, 500, 500]);
      const [reply] = await ownerQuery(channel.server, 'select status from messages where id = $1', [
        dead.messageId,
      ]);
      expect(reply).toEqual({ status: 'failed' });
    });

    it('parks a permanently refused message in the dead letters; retry sends it', async () => {
      graph.failNext(1, 'invalid-parameter');
      const contact = newContact();
      const { payload, wamid } = whatsappMessage('text-message.json', line, contact, { text: 'Hello?' });
      expectStatus(await postWhatsApp(http, line, payload), 200);
      const [message] = await eventually(async () => {
        const rows = await storedInbound(wamid);
        return rows.length ? rows : undefined;
      });
      const dead = await eventually(
        async () => {
          const { body } = expectStatus(
            await http.get<Body>('/api/hub/channels/deliveries?status=dead', { token: owner.token }),
            200,
          );
          return body.items.find((item: Body) => item.memberId === message!.memberId);
        },
        { what: 'the dead letter', intervalMs: 100 },
      );
      expect(dead).toMatchObject({
        channel: 'whatsapp',
        status: 'dead',
        attempts: 1,
        preview: fallbackMessage,
      });
      expect(dead.lastError).toContain('(#100) Invalid parameter');
      expect(graph.sentTo(contact.waId).map((request) => request.status)).toEqual([400]);

      expect(
        (
          await http.post<Body>(`/api/hub/channels/deliveries/${dead.id}/retry`, undefined, {
            token: owner.token,
          })
        ).status,
      ).toBe(202);
      const [send] = await acceptedSends(contact.waId);
      expect(send!.body.text.body).toBe(fallbackMessage);
      expect(await deliveryWithStatus(message!.memberId, 'sent')).toMatchObject({ id: dead.id });
      // A sent message is not a dead letter any more.
      expect(
        (
          await http.post<Body>(`/api/hub/channels/deliveries/${dead.id}/retry`, undefined, {
            token: owner.token,
          })
        ).status,
      ).toBe(404);
    });
  });

  describe('the 24-hour customer-service window', () => {
    /**
     * A reply that died (Meta refused it) and that the creator retries a day later: the member's last message
     * is then older than 24 hours, so free-form text may not be sent any more.
     */
    const deadReplyRetriedADayLater = async (target: WhatsAppLine, contact: WaContact) => {
      graph.failNext(1, 'invalid-parameter');
      const { payload, wamid } = whatsappMessage('text-message.json', target, contact, {
        text: 'Can we talk tomorrow?',
      });
      expectStatus(await postWhatsApp(http, target, payload), 200);
      const [message] = await eventually(async () => {
        const rows = await storedInbound(wamid);
        return rows.length ? rows : undefined;
      });
      const dead = await deliveryWithStatus(message!.memberId, 'dead');
      await ownerQuery(
        channel.server,
        `update channel_identities set last_inbound_at = now() - interval '25 hours'
          where channel = 'whatsapp' and external_id = $1`,
        [contact.waId],
      );
      expectStatus(
        await http.post<Body>(`/api/hub/channels/deliveries/${dead.id}/retry`, undefined, {
          token: owner.token,
        }),
        202,
      );
      return { memberId: message!.memberId as string, deliveryId: dead.id as string };
    };

    it('sends the approved template when the connection has one', async () => {
      const templated = await connectWhatsAppLine(http, owner, graph, {
        template: { name: 'coach_follow_up', language: 'es' },
      });
      const contact = newContact();
      const { memberId, deliveryId } = await deadReplyRetriedADayLater(templated, contact);
      const [send] = await acceptedSends(contact.waId);
      expect(send!.path).toBe(`/v21.0/${templated.phoneNumberId}/messages`);
      expect(send!.body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: contact.waId,
        type: 'template',
        template: {
          name: 'coach_follow_up',
          language: { code: 'es' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: fallbackMessage }] }],
        },
      });
      expect(await deliveryWithStatus(memberId, 'sent')).toMatchObject({ id: deliveryId });
    });

    it('reroutes to the linked Telegram chat when there is no template', async () => {
      const bot: TelegramBot = await connectTelegramBot(http, owner, botApi);
      const contact = newContact();
      // "link" on WhatsApp answers a code; /start <code> on Telegram joins the two identities.
      const { send } = await converse(contact, 'link');
      const code = /link code is (\d{6})/.exec(send.body.text.body)?.[1];
      expect(code).toMatch(/^\d{6}$/);
      const chatId = newChatId();
      const start = telegramUpdate('start-command.json', { chatId, text: `/start ${code}` });
      expect((await botApi.deliver(bot.token, start, channel.baseUrl)).status).toBe(200);
      await eventually(async () => botApi.callsOf('sendMessage', { chatId }).find((call) => call.ok), {
        what: 'the linked confirmation on Telegram',
      });

      const { memberId, deliveryId } = await deadReplyRetriedADayLater(line, contact);
      const rerouted = await eventually(
        async () =>
          botApi
            .callsOf('sendMessage', { chatId })
            .find((call) => call.ok && call.plainText === fallbackMessage),
        { what: 'the reply on Telegram' },
      );
      expect(rerouted.body.parse_mode).toBe('MarkdownV2');
      const deliveries = await eventually(async () => {
        const rows = await deliveriesOf(memberId);
        return rows.some((row) => row.channel === 'telegram' && row.status === 'sent') ? rows : undefined;
      });
      expect(deliveries.find((row) => row.id === deliveryId)).toMatchObject({
        channel: 'whatsapp',
        status: 'cancelled',
        lastError: expect.stringContaining('sent on telegram instead'),
      });
      expect(graph.sentTo(contact.waId).filter((request) => request.status === 200)).toHaveLength(1);
    });

    it('waits for the member to write again when nothing else can reach them', async () => {
      const contact = newContact();
      const { memberId, deliveryId } = await deadReplyRetriedADayLater(line, contact);
      const waiting = await deliveryWithStatus(memberId, 'waiting');
      expect(waiting).toMatchObject({ id: deliveryId });
      expect(waiting.lastError).toContain('24-hour window');
      const [waitingMessage] = await ownerQuery(channel.server, 'select status from messages where id = $1', [
        waiting.messageId,
      ]);
      expect(waitingMessage).toEqual({ status: 'waiting' });
      expect(graph.sentTo(contact.waId).map((request) => request.status)).toEqual([400]);

      // The member writes again: the window reopens, the waiting reply goes, then the new one.
      const { payload } = whatsappMessage('text-message.json', line, contact, { text: 'Are you there?' });
      expectStatus(await postWhatsApp(http, line, payload), 200);
      await acceptedSends(contact.waId, 2);
      await eventually(async () => {
        const rows = await deliveriesOf(memberId);
        return rows.length === 2 && rows.every((row) => row.status === 'sent') ? rows : undefined;
      });
    });
  });
});
