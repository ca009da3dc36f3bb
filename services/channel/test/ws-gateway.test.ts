import { randomUUID } from 'node:crypto';
import { createSigningKeyService } from '@companero/auth/services/signing-keys.service';
import { maxWsFrameBytes } from '@companero/contracts/channel/ws-frames';
import { jwtIssuer } from '@companero/core/config/load-config';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { type Body, type Creator, expectStatus, registerCreator } from '@companero/testing/creator-fixtures';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uploadFixture, waitForDocument } from '../../ai-engine/test/knowledge-test-server';
import { messagesRepository } from '../src/repositories/messages.repository';
import { createChannelEvents } from '../src/services/channel-events.service';
import {
  type ChannelTestServer,
  connectWs,
  eventually,
  openWidgetMember,
  refusedUpgrade,
  startChannelServer,
  startGatewayServer,
  type WidgetMember,
  type WsClient,
  wsUrl,
} from './channel-test-server';

const isMessage = (frame: Body) => frame.type === 'message';

describe.each(backends())('the chat WebSocket on $name', (backend) => {
  const clients: WsClient[] = [];
  const connect = async (baseUrl: string, token: string, options?: Parameters<typeof connectWs>[2]) => {
    const client = await connectWs(baseUrl, token, options);
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  describe('conversations', () => {
    let channel: ChannelTestServer;
    let http: HttpClient;
    let owner: Creator;
    let other: Creator;

    const storedRows = <T>(creatorId: string, sql: string, params: unknown[]) =>
      withTenant(channel.server.runtime.db, creatorId, async (tx) => (await tx.query<T>(sql, params)).rows);

    /** Sends one message and waits until the coach's stored reply arrives on the same connection. */
    const chat = async (client: WsClient, clientId: string, text: string) => {
      const from = client.frames.length;
      client.send({ type: 'message', clientId, text });
      const ack = await client.waitFor((frame) => frame.type === 'ack' && frame.clientId === clientId, {
        from,
      });
      const reply = await client.waitFor(
        (frame) => isMessage(frame) && frame.message.author === 'coach' && frame.message.content.length > 0,
        { from, timeoutMs: 60_000 },
      );
      return { ack, reply, frames: client.frames.slice(from) };
    };

    beforeAll(async () => {
      channel = await startChannelServer(backend);
      http = channel.http;
      owner = await registerCreator(http, 'gateway-owner');
      other = await registerCreator(http, 'gateway-other');
      const upload = expectStatus(
        await uploadFixture(channel.baseUrl, owner.token, 'building-habits.txt'),
        202,
      );
      expect((await waitForDocument(http, owner.token, upload.body.id)).status).toBe('ready');
    });
    afterAll(async () => channel?.close());

    it('refuses the upgrade with a 401 problem when the token is missing, malformed or forged', async () => {
      const member = await openWidgetMember(http, owner.slug);
      const [header, payload, signature] = member.token.split('.');
      const forged = `${header}.${payload}.${signature!.slice(0, -4)}${signature!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      for (const [url, code] of [
        [`${channel.baseUrl.replace(/^http/, 'ws')}/api/channels/ws`, 'UNAUTHORIZED'],
        [wsUrl(channel.baseUrl, 'not-a-token'), 'INVALID_TOKEN'],
        [wsUrl(channel.baseUrl, forged), 'INVALID_TOKEN'],
      ] as const) {
        const refused = await refusedUpgrade(url);
        expect(refused.opened).toBe(false);
        expect(refused.status).toBe(401);
        expect(refused.contentType).toContain('application/problem+json');
        expect(refused.body).toMatchObject({ status: 401, code });
      }
    });

    it('greets a member with ready: who they are, their conversation and the newest event id', async () => {
      const member = await openWidgetMember(http, owner.slug);
      const client = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      expect(await client.waitFor((frame) => frame.type === 'ready')).toEqual({
        type: 'ready',
        memberId: member.memberId,
        conversationId: member.conversationId,
        lastEventId: null,
      });
    });

    it('acknowledges a message with its stored id, then streams the reply as tokens that add up to the stored reply', async () => {
      const member = await openWidgetMember(http, owner.slug);
      const client = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      await client.waitFor((frame) => frame.type === 'ready');
      const { ack, reply, frames } = await chat(client, 'first-question', 'What is habit stacking?');

      const [stored] = await storedRows<Body>(
        owner.creatorId,
        `select id, content, client_id as "clientId", conversation_id as "conversationId" from messages
          where member_id = $1 and direction = 'in'`,
        [member.memberId],
      );
      expect(ack).toEqual({ type: 'ack', clientId: 'first-question', messageId: stored!.id });
      expect(stored).toMatchObject({
        content: 'What is habit stacking?',
        clientId: 'first-question',
        conversationId: member.conversationId,
      });

      const own = frames.find((frame) => isMessage(frame) && frame.message.id === stored!.id);
      expect(own).toMatchObject({
        eventId: expect.stringMatching(/^\d+$/),
        message: { direction: 'in', author: 'member', clientId: 'first-question', channel: 'widget' },
      });

      const tokens = frames.filter((frame) => frame.type === 'token');
      expect(tokens.length).toBeGreaterThan(1);
      expect(new Set(tokens.map((frame) => frame.messageId))).toEqual(new Set([reply.message.id]));
      expect(tokens.map((frame) => frame.delta).join('')).toBe(reply.message.content);
      expect(reply.message).toMatchObject({ direction: 'out', grounded: true, channel: 'widget' });
      expect(reply.message.citations.length).toBeGreaterThan(0);
      expect(BigInt(reply.eventId)).toBeGreaterThan(BigInt(own!.eventId));

      // The order a client renders: its own message, "typing…", the tokens, the stored reply.
      const position = (frame: Body | undefined) => frames.indexOf(frame!);
      const typing = frames.find((frame) => frame.type === 'typing');
      expect(position(own)).toBeLessThan(position(typing));
      expect(position(typing)).toBeLessThan(position(tokens[0]));
      expect(position(tokens.at(-1))).toBeLessThan(position(reply));

      const [storedReply] = await storedRows<Body>(
        owner.creatorId,
        'select content, reply_to_message_id as "replyTo" from messages where id = $1',
        [reply.message.id],
      );
      expect(storedReply).toEqual({ content: reply.message.content, replyTo: stored!.id });
    });

    it('stores a repeated clientId once and acknowledges every copy with the same id', async () => {
      const member = await openWidgetMember(http, owner.slug);
      const first = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      const second = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      const frame = { type: 'message', clientId: 'retried-send', text: 'How do I start a new habit?' };
      first.send(frame);
      first.send(frame);
      second.send(frame);
      const acksOf = (client: WsClient) => client.frames.filter((item) => item.type === 'ack');
      const acks = await eventually(
        async () => {
          const errors = [...first.frames, ...second.frames].filter((item) => item.type === 'error');
          if (errors.length > 0) throw new Error(`a copy was refused: ${JSON.stringify(errors)}`);
          return acksOf(first).length === 2 && acksOf(second).length === 1
            ? [...acksOf(first), ...acksOf(second)]
            : undefined;
        },
        { timeoutMs: 15_000, what: 'an ack for every copy' },
      );
      await first.waitFor((item) => isMessage(item) && item.message.author === 'coach', {
        timeoutMs: 60_000,
      });

      const stored = await storedRows<{ id: string }>(
        owner.creatorId,
        `select id from messages where member_id = $1 and direction = 'in'`,
        [member.memberId],
      );
      expect(stored).toHaveLength(1);
      expect(acks.map((ack) => ack.messageId)).toEqual([stored[0]!.id, stored[0]!.id, stored[0]!.id]);
      const replies = await storedRows(
        owner.creatorId,
        'select id from messages where reply_to_message_id = $1',
        [stored[0]!.id],
      );
      expect(replies).toHaveLength(1);
      // One event announced the one message: a client never shows it twice.
      const announced = first.frames.filter((item) => isMessage(item) && item.message.id === stored[0]!.id);
      expect(announced).toHaveLength(1);
    });

    it('replays exactly the events missed while disconnected, in order and once, from PostgreSQL', async () => {
      const member = await openWidgetMember(http, owner.slug);
      const before = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      const seen = await chat(before, 'before-gap', 'What is habit stacking?');
      await before.close();

      // Meanwhile the same member writes from another device.
      const elsewhere = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      await chat(elsewhere, 'during-gap', 'How should I reward myself after a habit?');
      await elsewhere.close();

      const missed = await storedRows<{ id: string; messageId: string }>(
        owner.creatorId,
        `select id::text, message_id as "messageId" from channel_events where member_id = $1 and id > $2 order by id`,
        [member.memberId, seen.reply.eventId],
      );
      expect(missed).toHaveLength(2);

      const back = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      const ready = await back.waitFor((frame) => frame.type === 'ready');
      expect(ready.lastEventId).toBe(missed[1]!.id);
      back.send({ type: 'resume', lastEventId: seen.reply.eventId });
      const resumed = await back.waitFor((frame) => frame.type === 'resumed');
      expect(resumed).toEqual({ type: 'resumed', lastEventId: missed[1]!.id, replayed: 2 });
      const replayed = back.frames.filter(isMessage);
      expect(replayed.map((frame) => [frame.eventId, frame.message.id])).toEqual(
        missed.map((row) => [row.id, row.messageId]),
      );
      expect(replayed.map((frame) => frame.message.author)).toEqual(['member', 'coach']);
      expect(replayed[0]!.message.clientId).toBe('during-gap');

      // Resuming again from the newest id replays nothing and repeats nothing.
      back.send({ type: 'resume', lastEventId: missed[1]!.id });
      await back.waitFor((frame) => frame.type === 'resumed' && frame !== resumed);
      expect(back.frames.filter(isMessage)).toHaveLength(2);
    });

    it('delivers a live event published after a newer one: transactions commit in any order', async () => {
      const member = await openWidgetMember(http, owner.slug);
      const client = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      const staff = await connect(channel.baseUrl, owner.token);
      await client.waitFor((frame) => frame.type === 'ready');
      await staff.waitFor((frame) => frame.type === 'ready');
      // Two replies stored the way the reply service stores them; the older one's publication comes last, as
      // when its process was still writing the working memory while a newer event was published.
      const events = createChannelEvents({
        pubsub: channel.server.runtime.cache.pubsub,
        logger: channel.server.app.log,
      });
      const store = (content: string) =>
        withTenant(channel.server.runtime.db, owner.creatorId, async (tx) => {
          const reply = await messagesRepository.insertOutbound(tx, {
            conversationId: member.conversationId,
            memberId: member.memberId,
            channel: 'widget',
            content,
            author: 'coach',
          });
          return events.recordMessage(tx, { memberId: member.memberId }, reply.id);
        });
      const older = await store('The older reply');
      const newer = await store('The newer reply');
      expect(BigInt((newer.frame as Body).eventId)).toBeGreaterThan(BigInt((older.frame as Body).eventId));
      await events.publishAll([newer]);
      await client.waitFor((frame) => isMessage(frame) && frame.eventId === (newer.frame as Body).eventId);
      await events.publishAll([older]);
      for (const watcher of [client, staff])
        expect(
          await watcher.waitFor(
            (frame) => isMessage(frame) && frame.eventId === (older.frame as Body).eventId,
          ),
        ).toMatchObject({ message: { content: 'The older reply' } });

      // A resume overlapping what arrived live repeats nothing.
      client.send({ type: 'resume', lastEventId: null });
      expect(await client.waitFor((frame) => frame.type === 'resumed')).toEqual({
        type: 'resumed',
        lastEventId: (newer.frame as Body).eventId,
        replayed: 2,
      });
      expect(client.frames.filter(isMessage)).toHaveLength(2);
    });

    it('answers malformed JSON and invalid frames with an error frame and keeps the socket open', async () => {
      const member = await openWidgetMember(http, owner.slug);
      const client = await connect(channel.baseUrl, member.token);
      await client.waitFor((frame) => frame.type === 'ready');
      const errorAfter = (raw: string) => {
        const from = client.frames.length;
        client.send(raw);
        return client.waitFor((frame) => frame.type === 'error', { from });
      };
      expect(await errorAfter('{not json')).toMatchObject({ code: 'malformed_json' });
      expect(await errorAfter(JSON.stringify({ type: 'message', clientId: 'x' }))).toMatchObject({
        code: 'invalid_frame',
        detail: expect.stringContaining('text'),
      });
      expect(await errorAfter(JSON.stringify({ type: 'shout', text: 'hi' }))).toMatchObject({
        code: 'invalid_frame',
      });
      expect(await errorAfter(JSON.stringify({ type: 'resume', lastEventId: 'latest' }))).toMatchObject({
        code: 'invalid_frame',
      });
      client.send({ type: 'ping' });
      await client.waitFor((frame) => frame.type === 'pong');
      expect(client.socket.readyState).toBe(client.socket.OPEN);
      const stored = await storedRows(owner.creatorId, 'select id from messages where member_id = $1', [
        member.memberId,
      ]);
      expect(stored).toEqual([]);
    });

    it('closes the socket with 1009 when a frame is larger than 16 kB', async () => {
      const member = await openWidgetMember(http, owner.slug);
      const client = await connect(channel.baseUrl, member.token);
      await client.waitFor((frame) => frame.type === 'ready');
      client.send({ type: 'message', clientId: 'huge', text: 'a'.repeat(maxWsFrameBytes) });
      expect((await client.closed).code).toBe(1009);
    });

    it('lets the team watch every member message live, and nothing more: team connections are read-only', async () => {
      const staff = await connect(channel.baseUrl, owner.token);
      expect(await staff.waitFor((frame) => frame.type === 'ready')).toEqual({
        type: 'ready',
        memberId: null,
        conversationId: null,
        lastEventId: null,
      });
      staff.send({ type: 'message', clientId: 'staff-1', text: 'Hello from the team' });
      expect(await staff.waitFor((frame) => frame.type === 'error')).toMatchObject({
        code: 'read_only',
        clientId: 'staff-1',
      });

      const member = await openWidgetMember(http, owner.slug);
      const client = await connect(channel.baseUrl, member.token, { channel: 'widget' });
      const { ack, reply } = await chat(client, 'watched', 'What is habit stacking?');
      const question = await staff.waitFor((frame) => isMessage(frame) && frame.message.id === ack.messageId);
      const answer = await staff.waitFor(
        (frame) => isMessage(frame) && frame.message.id === reply.message.id,
      );
      expect(question.message.author).toBe('member');
      expect(answer.eventId).toBe(reply.eventId);
      // The team sees stored messages, not token streams or typing of a member's conversation.
      expect(staff.frames.filter((frame) => frame.type === 'token' || frame.type === 'typing')).toEqual([]);
      const stored = await storedRows(owner.creatorId, `select id from messages where author = 'staff'`, []);
      expect(stored).toEqual([]);
    });

    it("keeps tenants apart: creator B's member and team neither receive A's events nor replay them", async () => {
      const ownMember = await openWidgetMember(http, owner.slug);
      const outsider = await openWidgetMember(http, other.slug);
      const outsiderClient = await connect(channel.baseUrl, outsider.token, { channel: 'widget' });
      const outsiderTeam = await connect(channel.baseUrl, other.token);
      await outsiderClient.waitFor((frame) => frame.type === 'ready');
      await outsiderTeam.waitFor((frame) => frame.type === 'ready');

      const client = await connect(channel.baseUrl, ownMember.token, { channel: 'widget' });
      const ownChat = await chat(client, 'private', 'What is habit stacking?');
      // B's own member writes too, so B's team has something to receive when the feed works.
      const outsiderChat = await chat(outsiderClient, 'b-question', 'Where do I start?');
      await outsiderTeam.waitFor(
        (frame) => isMessage(frame) && frame.message.id === outsiderChat.reply.message.id,
      );

      outsiderClient.send({ type: 'resume', lastEventId: '0' });
      outsiderTeam.send({ type: 'resume', lastEventId: '0' });
      await outsiderClient.waitFor((frame) => frame.type === 'resumed');
      await outsiderTeam.waitFor((frame) => frame.type === 'resumed');

      // Nothing of A's conversation reaches B: not its messages, tokens, ids or member.
      const secrets = [
        ownMember.memberId,
        ownMember.conversationId,
        ownChat.ack.messageId,
        ownChat.reply.message.id,
      ];
      for (const frames of [outsiderClient.frames, outsiderTeam.frames]) {
        expect(frames.filter(isMessage).length).toBeGreaterThan(0);
        for (const secret of secrets) expect(JSON.stringify(frames)).not.toContain(secret);
      }
      const ownConversations = new Set([ownMember.conversationId]);
      const visibleToB = await storedRows<{ conversationId: string }>(
        other.creatorId,
        'select conversation_id as "conversationId" from channel_events',
        [],
      );
      expect(visibleToB.filter((row) => ownConversations.has(row.conversationId))).toEqual([]);
    });
  });

  describe('transport limits', () => {
    let gateway: ChannelTestServer;
    let owner: Creator;
    let member: WidgetMember;

    beforeAll(async () => {
      gateway = await startGatewayServer(backend, {
        WS_HEARTBEAT_SECONDS: '0.2',
        WS_IDLE_TIMEOUT_SECONDS: '1',
        WS_MESSAGES_PER_10S: '3',
      });
      owner = await registerCreator(gateway.http, 'limits-owner');
      member = await openWidgetMember(gateway.http, owner.slug);
    });
    afterAll(async () => gateway?.close());

    it('answers rate_limited past the messages a connection may send per 10 seconds, and stores only those', async () => {
      const client = await connect(gateway.baseUrl, member.token);
      await client.waitFor((frame) => frame.type === 'ready');
      for (let index = 1; index <= 5; index += 1)
        client.send({ type: 'message', clientId: `burst-${index}`, text: `message ${index}` });
      const limited = await client.waitFor((frame) => frame.type === 'error' && frame.clientId === 'burst-5');
      expect(limited).toMatchObject({ code: 'rate_limited' });
      expect(
        await client.waitFor((frame) => frame.type === 'error' && frame.clientId === 'burst-4'),
      ).toMatchObject({
        code: 'rate_limited',
      });
      for (const clientId of ['burst-1', 'burst-2', 'burst-3'])
        await client.waitFor((frame) => frame.type === 'ack' && frame.clientId === clientId);
      const stored = await withTenant(
        gateway.server.runtime.db,
        owner.creatorId,
        async (tx) =>
          (
            await tx.query<{ clientId: string }>(
              'select client_id as "clientId" from messages where member_id = $1 order by client_id',
              [member.memberId],
            )
          ).rows,
      );
      expect(stored.map((row) => row.clientId)).toEqual(['burst-1', 'burst-2', 'burst-3']);
      expect(client.socket.readyState).toBe(client.socket.OPEN);
    });

    it('closes with 1008 a connection that keeps sending past the limit', async () => {
      const client = await connect(gateway.baseUrl, member.token);
      await client.waitFor((frame) => frame.type === 'ready');
      for (let index = 1; index <= 30; index += 1)
        client.send({ type: 'message', clientId: `flood-${index}`, text: `flood ${index}` });
      expect(await client.closed).toEqual({ code: 1008, reason: 'rate limit' });
      // Three stored, twenty-one refusals, then the close: the rest were never read.
      expect(client.frames.filter((frame) => frame.code === 'rate_limited')).toHaveLength(21);
    });

    it('closes with 4001 when the access token expires during the connection', async () => {
      const { runtime, config } = gateway.server;
      const keys = createSigningKeyService({
        db: runtime.db,
        secretBox: runtime.secretBox,
        issuer: jwtIssuer(config),
        audience: config.JWT_AUDIENCE,
        accessTokenTtlSeconds: 2,
      });
      await keys.start();
      let shortLived: string;
      try {
        shortLived = await keys.signAccessToken(
          { typ: 'member', sub: member.memberId, cid: owner.creatorId, role: 'member' },
          randomUUID(),
        );
      } finally {
        keys.stop();
      }
      const client = await connect(gateway.baseUrl, shortLived);
      const startedAt = Date.now();
      // Busy enough not to be idle: only the token's expiry can end it.
      const keepBusy = setInterval(() => client.send({ type: 'ping' }), 250);
      try {
        expect(await client.closed).toEqual({ code: 4001, reason: 'token expired' });
      } finally {
        clearInterval(keepBusy);
      }
      expect(Date.now() - startedAt).toBeGreaterThan(500);
      expect(Date.now() - startedAt).toBeLessThan(2_500);
      // A new connection with the expired token is refused before the upgrade.
      expect((await refusedUpgrade(wsUrl(gateway.baseUrl, shortLived))).status).toBe(401);
    });

    it('terminates a client that stops answering pings', async () => {
      const client = await connect(gateway.baseUrl, member.token, { autoPong: false });
      const startedAt = Date.now();
      const closed = await client.closed;
      // Terminated (no close frame) after two heartbeats, well before the idle timeout.
      expect(closed.code).toBe(1006);
      expect(Date.now() - startedAt).toBeLessThan(1000);
    });

    it('closes an idle connection with 4000 even while it answers pings', async () => {
      const client = await connect(gateway.baseUrl, member.token);
      const startedAt = Date.now();
      let pings = 0;
      client.socket.on('ping', () => {
        pings += 1;
      });
      const closed = await client.closed;
      expect(closed).toEqual({ code: 4000, reason: 'idle' });
      // The server's idle clock started with the upgrade, a moment before the client saw it open.
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
      expect(pings).toBeGreaterThan(2);
    });

    it('counts a client frame as activity, so a chatting member stays connected', async () => {
      const client = await connect(gateway.baseUrl, member.token);
      for (let round = 0; round < 6; round += 1) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        client.send({ type: 'ping' });
      }
      await eventually(async () =>
        client.frames.filter((frame) => frame.type === 'pong').length === 6 ? true : undefined,
      );
      expect(client.socket.readyState).toBe(client.socket.OPEN);
    });
  });

  describe('with a slow pub/sub', () => {
    let gateway: ChannelTestServer;
    let owner: Creator;

    beforeAll(async () => {
      gateway = await startGatewayServer(backend, {}, { subscribeLatencyMs: 400 });
      owner = await registerCreator(gateway.http, 'slow-owner');
    });
    afterAll(async () => gateway?.close());

    it('greets only once live events flow: what happens after ready reaches the socket', async () => {
      const member = await openWidgetMember(gateway.http, owner.slug);
      const client = await connect(gateway.baseUrl, member.token);
      await client.waitFor((frame) => frame.type === 'ready');
      client.send({ type: 'message', clientId: 'right-away', text: 'Hello?' });
      const ack = await client.waitFor((frame) => frame.type === 'ack');
      expect(
        await client.waitFor((frame) => isMessage(frame) && frame.message.id === ack.messageId),
      ).toMatchObject({
        message: { clientId: 'right-away' },
      });
    });
  });
});
