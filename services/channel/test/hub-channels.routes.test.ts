import { randomInt, randomUUID } from 'node:crypto';
import { backends } from '@companero/testing/backends';
import {
  type Body,
  type Creator,
  expectStatus,
  registerCreator,
  teammateToken,
} from '@companero/testing/creator-fixtures';
import type { HttpClient } from '@companero/testing/http-client';
import { symbols } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChannelTestServer, eventually, startChannelServer } from './channel-test-server';
import { type FakeBotApi, startFakeBotApi } from './fake-bot-api';
import { type FakeGraphApi, startFakeGraphApi } from './fake-graph-api';
import {
  connectTelegramBot,
  connectWhatsAppLine,
  newWaId,
  postWhatsApp,
  publicUrl,
  type TelegramBot,
  type WhatsAppLine,
  whatsappMessage,
} from './provider-fixtures';

const theme = {
  primaryColor: '#0f766e',
  position: 'bottom-left',
  title: 'Ask Coach Ana',
  avatarUrl: 'https://cdn.example.com/ana.png',
  greeting: '¡Hola! ¿En qué te ayudo?',
};

describe.each(backends())('creator hub channel settings on $name', (backend) => {
  let channel: ChannelTestServer;
  let http: HttpClient;
  let graph: FakeGraphApi;
  let botApi: FakeBotApi;
  let owner: Creator;
  let other: Creator;
  let adminToken: string;
  let editorToken: string;
  let viewerToken: string;
  let line: WhatsAppLine;
  let bot: TelegramBot;
  let deadDeliveryId: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    graph = await startFakeGraphApi();
    botApi = await startFakeBotApi();
    channel = await startChannelServer(backend, { PUBLIC_URL: publicUrl, LOG_LEVEL: 'debug' });
    // Every line the HTTP app logs (requests, errors, the channel pipeline), kept to search for secrets.
    (channel.server.app.log as unknown as Record<symbol, unknown>)[symbols.streamSym] = {
      write: (line: string) => logLines.push(line),
    };
    http = channel.http;
    owner = await registerCreator(http, 'hub-owner');
    other = await registerCreator(http, 'hub-other');
    [adminToken, editorToken, viewerToken] = await Promise.all([
      teammateToken(http, owner, 'admin'),
      teammateToken(http, owner, 'editor'),
      teammateToken(http, owner, 'viewer'),
    ]);
    line = await connectWhatsAppLine(http, owner, graph);
    bot = await connectTelegramBot(http, owner, botApi);

    // One dead letter: Meta refuses the reply to a member's message.
    graph.failNext(1, 'invalid-parameter');
    const contact = { waId: newWaId(), name: 'Marta' };
    expectStatus(
      await postWhatsApp(http, line, whatsappMessage('text-message.json', line, contact).payload),
      200,
    );
    deadDeliveryId = await eventually(
      async () => {
        const { body } = expectStatus(
          await http.get<Body>('/api/hub/channels/deliveries?status=dead', { token: owner.token }),
          200,
        );
        return body.items[0]?.id as string | undefined;
      },
      { what: 'the dead letter', intervalMs: 100 },
    );
  });

  afterAll(async () => {
    await channel?.close();
    await graph?.close();
    await botApi?.close();
  });

  const whatsappInput = () => ({
    phoneNumberId: `2${randomInt(100_000_000, 999_999_999)}${randomInt(10_000, 99_999)}`,
    accessToken: `EAAG${randomUUID().replaceAll('-', '')}`,
    appSecret: randomUUID().replaceAll('-', ''),
    verifyToken: `verify-${randomUUID()}`,
    apiBaseUrl: graph.baseUrl,
  });

  describe('roles', () => {
    it('lets every role read the connections and the outbound queue', async () => {
      for (const token of [viewerToken, editorToken, adminToken, owner.token]) {
        const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token }), 200);
        expect(body.items.map((item: Body) => item.id).sort()).toEqual(
          [line.connectionId, bot.connectionId].sort(),
        );
        expect(body.widget).toMatchObject({ identityVerification: expect.any(Boolean) });
        const deliveries = expectStatus(
          await http.get<Body>('/api/hub/channels/deliveries?status=dead', { token }),
          200,
        );
        expect(deliveries.body.items.map((item: Body) => item.id)).toEqual([deadDeliveryId]);
      }
    });

    it('refuses every change to viewers and editors with 403', async () => {
      for (const token of [viewerToken, editorToken]) {
        const attempts = [
          await http.post<Body>('/api/hub/channels/whatsapp', whatsappInput(), { token }),
          await http.post<Body>(
            '/api/hub/channels/telegram',
            { botToken: bot.token, apiBaseUrl: botApi.baseUrl },
            { token },
          ),
          await http.request<Body>('PUT', '/api/hub/channels/widget', {
            token,
            body: { theme, allowedOrigins: [] },
          }),
          await http.post<Body>('/api/hub/channels/widget/identity-secret', undefined, { token }),
          await http.delete<Body>(`/api/hub/channels/${line.connectionId}`, undefined, { token }),
          await http.post<Body>(`/api/hub/channels/deliveries/${deadDeliveryId}/retry`, undefined, { token }),
        ];
        expect(attempts.map((response) => response.status)).toEqual([403, 403, 403, 403, 403, 403]);
      }
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200);
      expect(body.items).toHaveLength(2);
      expect(body.widget.updatedAt).toBeNull();
    });

    it('lets an admin connect, configure and disconnect', async () => {
      const input = whatsappInput();
      graph.addPhoneNumber(input.phoneNumberId, input.accessToken);
      const created = expectStatus(
        await http.post<Body>('/api/hub/channels/whatsapp', input, { token: adminToken }),
        201,
      ).body;
      expect(created.webhookUrl).toBe(`${publicUrl}/api/channels/whatsapp/${created.id}/webhook`);
      const saved = expectStatus(
        await http.request<Body>('PUT', '/api/hub/channels/widget', {
          token: adminToken,
          body: { theme, allowedOrigins: ['https://ana.example.com'] },
        }),
        200,
      ).body;
      expect(saved).toMatchObject({ theme, allowedOrigins: ['https://ana.example.com'] });
      expect(
        (await http.delete<Body>(`/api/hub/channels/${created.id}`, undefined, { token: adminToken })).status,
      ).toBe(204);
      // The disconnected number's webhook is gone.
      const verify = await http.get<Body>(
        `/api/channels/whatsapp/${created.id}/webhook?hub.mode=subscribe&hub.verify_token=${input.verifyToken}&hub.challenge=1`,
      );
      expect(verify.status).toBe(404);
      const { body: audit } = expectStatus(
        await http.get<Body>('/api/auth/audit', { token: owner.token }),
        200,
      );
      const actions = JSON.stringify(audit);
      expect(actions).toContain('channel.connected');
      expect(actions).toContain('channel.disconnected');
      expect(actions).toContain('channel.widget_updated');
    });
  });

  describe('secrets', () => {
    it('never returns a token or secret, in any response or in the log', async () => {
      const webhookSecret = botApi.webhookOf(bot.token)!.secretToken!;
      const { body: secretBody } = expectStatus(
        await http.post<Body>('/api/hub/channels/widget/identity-secret', undefined, { token: owner.token }),
        201,
      );
      const secrets = [
        line.accessToken,
        line.appSecret,
        line.verifyToken,
        bot.token,
        bot.token.split(':')[1]!,
        webhookSecret,
        secretBody.secret,
      ];
      const responses = [
        await http.get<Body>('/api/hub/channels', { token: owner.token }),
        await http.get<Body>('/api/hub/channels/deliveries', { token: owner.token }),
        await http.get<Body>('/api/auth/audit', { token: owner.token }),
        await http.get<Body>('/openapi.json'),
        // A duplicate connection is refused without echoing what was sent.
        await http.post<Body>(
          '/api/hub/channels/telegram',
          { botToken: bot.token, apiBaseUrl: botApi.baseUrl },
          { token: owner.token },
        ),
        await http.post<Body>(
          '/api/hub/channels/whatsapp',
          { ...whatsappInput(), phoneNumberId: line.phoneNumberId, accessToken: line.accessToken },
          { token: owner.token },
        ),
      ];
      for (const response of responses) {
        const text = JSON.stringify(response.body);
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
      expect(logLines.length).toBeGreaterThan(0);
      const log = logLines.join('\n');
      for (const secret of secrets) expect(log).not.toContain(secret);
    });

    it('shows the widget identity secret once; the settings only say it exists', async () => {
      const first = expectStatus(
        await http.post<Body>('/api/hub/channels/widget/identity-secret', undefined, { token: owner.token }),
        201,
      ).body.secret as string;
      const second = expectStatus(
        await http.post<Body>('/api/hub/channels/widget/identity-secret', undefined, { token: adminToken }),
        201,
      ).body.secret as string;
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(second).not.toBe(first);
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200);
      expect(body.widget.identityVerification).toBe(true);
      expect(JSON.stringify(body)).not.toContain(second);
    });
  });

  describe('validation', () => {
    it('answers 409 when the phone number or the bot is already connected', async () => {
      const duplicate = await http.post<Body>(
        '/api/hub/channels/whatsapp',
        { ...whatsappInput(), phoneNumberId: line.phoneNumberId },
        { token: owner.token },
      );
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.code).toBe('ALREADY_CONNECTED');
      const secretBefore = botApi.webhookOf(bot.token)!.secretToken;
      const webhooksBefore = botApi.callsOf('setWebhook', { token: bot.token }).length;
      const duplicateBot = await http.post<Body>(
        '/api/hub/channels/telegram',
        { botToken: bot.token, apiBaseUrl: botApi.baseUrl },
        { token: owner.token },
      );
      expect(duplicateBot.status).toBe(409);
      // The working connection keeps its webhook and secret.
      expect(botApi.callsOf('setWebhook', { token: bot.token })).toHaveLength(webhooksBefore);
      expect(botApi.webhookOf(bot.token)!.secretToken).toBe(secretBefore);
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200);
      expect(body.items).toHaveLength(2);
    });

    it('answers 422 with a path per bad widget origin, and keeps the saved settings', async () => {
      const saved = expectStatus(
        await http.request<Body>('PUT', '/api/hub/channels/widget', {
          token: owner.token,
          body: { theme, allowedOrigins: ['https://Ana.Example.com:443', 'http://localhost:5173'] },
        }),
        200,
      ).body;
      expect(saved.allowedOrigins).toEqual(['https://ana.example.com', 'http://localhost:5173']);
      expect(saved.embedCode).toBe(
        `<script src="${publicUrl}/widget.js" data-creator="${owner.slug}" async></script>`,
      );
      const response = await http.request<Body>('PUT', '/api/hub/channels/widget', {
        token: owner.token,
        body: {
          theme: { ...theme, primaryColor: 'teal' },
          allowedOrigins: [
            'https://ok.example.com',
            'ftp://files.example.com',
            'https://ana.example.com/chat',
          ],
        },
      });
      expect(response.status).toBe(422);
      expect(response.body.errors.map((error: Body) => error.path).sort()).toEqual([
        'body.allowedOrigins.1',
        'body.allowedOrigins.2',
        'body.theme.primaryColor',
      ]);
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200);
      expect(body.widget.allowedOrigins).toEqual(['https://ana.example.com', 'http://localhost:5173']);
    });

    it('answers 404 to a connection or delivery that does not exist', async () => {
      for (const response of [
        await http.delete<Body>(`/api/hub/channels/${randomUUID()}`, undefined, { token: owner.token }),
        await http.post<Body>(`/api/hub/channels/deliveries/${randomUUID()}/retry`, undefined, {
          token: owner.token,
        }),
      ])
        expect(response.status).toBe(404);
    });
  });

  describe('tenant isolation', () => {
    it("keeps another creator away from this creator's connections and deliveries (404)", async () => {
      const { body } = expectStatus(await http.get<Body>('/api/hub/channels', { token: other.token }), 200);
      expect(body.items).toEqual([]);
      const deliveries = expectStatus(
        await http.get<Body>('/api/hub/channels/deliveries', { token: other.token }),
        200,
      ).body;
      expect(deliveries.items).toEqual([]);
      const attempts = [
        await http.delete<Body>(`/api/hub/channels/${line.connectionId}`, undefined, { token: other.token }),
        await http.delete<Body>(`/api/hub/channels/${bot.connectionId}`, undefined, { token: other.token }),
        await http.post<Body>(`/api/hub/channels/deliveries/${deadDeliveryId}/retry`, undefined, {
          token: other.token,
        }),
      ];
      expect(attempts.map((response) => response.status)).toEqual([404, 404, 404]);
      expect(botApi.callsOf('deleteWebhook', { token: bot.token })).toEqual([]);
      // Still there, still dead, for its own creator.
      const own = expectStatus(await http.get<Body>('/api/hub/channels', { token: owner.token }), 200).body;
      expect(own.items).toHaveLength(2);
      const dead = expectStatus(
        await http.get<Body>('/api/hub/channels/deliveries?status=dead', { token: owner.token }),
        200,
      ).body;
      expect(dead.items.map((item: Body) => item.id)).toEqual([deadDeliveryId]);
    });
  });
});
