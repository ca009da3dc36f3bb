import { createHmac } from 'node:crypto';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { type Body, type Creator, expectStatus, registerCreator } from '@companero/testing/creator-fixtures';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allowWidgetOrigins,
  type ChannelTestServer,
  connectWs,
  openWidgetMember,
  ownOrigin,
  requestWidgetSession,
  startChannelServer,
  startGatewayServer,
} from './channel-test-server';

const shop = 'https://shop.example.com';
const blog = 'https://blog.example.org:8443';
const stranger = 'https://evil.example.net';

const visitor = (label: string) => `${label}-visitor-${'x'.repeat(16)}`.slice(0, 40);
const sign = (secret: string, userId: string) => createHmac('sha256', secret).update(userId).digest('hex');

describe.each(backends())('widget sessions on $name', (backend) => {
  let channel: ChannelTestServer;
  let http: HttpClient;
  let owner: Creator;
  let unconfigured: Creator;
  let identitySecret: string;
  const theme = {
    primaryColor: '#0f766e',
    position: 'bottom-left',
    title: 'Ask Ana',
    avatarUrl: null,
    greeting: 'Hola! What are you working on?',
  };

  const counts = (creatorId: string) =>
    withTenant(channel.server.runtime.db, creatorId, async (tx) => {
      const { rows } = await tx.query<{ members: number; identities: number; conversations: number }>(
        `select (select count(*)::int from members) as members,
                (select count(*)::int from channel_identities) as identities,
                (select count(*)::int from conversations) as conversations`,
      );
      return rows[0]!;
    });

  beforeAll(async () => {
    channel = await startChannelServer(backend);
    http = channel.http;
    owner = await registerCreator(http, 'widget-owner');
    unconfigured = await registerCreator(http, 'widget-plain');
    expectStatus(
      await http.request<Body>('PUT', '/api/hub/channels/widget', {
        token: owner.token,
        body: { theme, allowedOrigins: [shop, blog] },
      }),
      200,
    );
    identitySecret = expectStatus(
      await http.post<Body>('/api/hub/channels/widget/identity-secret', undefined, { token: owner.token }),
      201,
    ).body.secret;
  });
  afterAll(async () => channel?.close());

  it('opens a session from an allowed origin: a member token, the member, the conversation and the look', async () => {
    const response = expectStatus(await requestWidgetSession(http, owner.slug, { origin: shop }), 201);
    expect(response.body).toMatchObject({
      token: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: expect.any(Number),
      memberId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      visitorId: expect.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
      conversationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      theme,
      welcomeMessage: 'Hi! How can I help you today?',
    });
    const me = expectStatus(
      await http.get<Body>('/api/channels/messages', { token: response.body.token }),
      200,
    );
    expect(me.body).toEqual({ conversationId: response.body.conversationId, items: [], lastEventId: null });

    // The other allowed origin, with a port, works too.
    expectStatus(await requestWidgetSession(http, owner.slug, { origin: blog }), 201);
  });

  it('refuses a foreign or missing origin with a 403 problem and creates nothing', async () => {
    const before = await counts(owner.creatorId);
    for (const origin of [
      stranger,
      'https://shop.example.com.evil.net',
      'http://shop.example.com',
      'null',
      null,
    ]) {
      const response = await requestWidgetSession(http, owner.slug, {
        origin,
        body: { visitorId: visitor('r') },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ status: 403, code: 'ORIGIN_NOT_ALLOWED' });
    }
    // A creator who saved no origins allows none (but its own dashboard's).
    expect((await requestWidgetSession(http, unconfigured.slug, { origin: shop })).body).toMatchObject({
      status: 403,
      code: 'ORIGIN_NOT_ALLOWED',
    });
    expect(await counts(owner.creatorId)).toEqual(before);
  });

  it('answers 404 for an unknown creator', async () => {
    const response = await requestWidgetSession(http, 'no-such-creator-here', { origin: shop });
    expect(response.status).toBe(404);
  });

  it('keeps a returning visitor the same member, with the same conversation', async () => {
    const visitorId = visitor('returning');
    const first = await openWidgetMember(http, owner.slug, { origin: shop, body: { visitorId } });
    const again = await openWidgetMember(http, owner.slug, { origin: blog, body: { visitorId } });
    expect(again).toMatchObject({
      memberId: first.memberId,
      visitorId,
      conversationId: first.conversationId,
    });
    const someoneElse = await openWidgetMember(http, owner.slug, { origin: shop });
    expect(someoneElse.memberId).not.toBe(first.memberId);
  });

  it("takes the browser's time zone for a member who has none, and never overrides one already set", async () => {
    const visitorId = visitor('timezone');
    const timezoneOf = async (memberId: string) =>
      expectStatus(await http.get<Body>(`/api/hub/members/${memberId}`, { token: owner.token }), 200).body
        .timezone;
    const first = await openWidgetMember(http, owner.slug, {
      origin: shop,
      body: { visitorId, timezone: 'America/New_York' },
    });
    expect(await timezoneOf(first.memberId)).toBe('America/New_York');
    await openWidgetMember(http, owner.slug, { origin: shop, body: { visitorId, timezone: 'Asia/Tokyo' } });
    expect(await timezoneOf(first.memberId)).toBe('America/New_York');
    const unknown = await openWidgetMember(http, owner.slug, {
      origin: shop,
      body: { timezone: 'Mars/Olympus' },
    });
    expect(await timezoneOf(unknown.memberId)).toBeNull();
    // The creator can correct it from the dashboard.
    expectStatus(
      await http.request<Body>('PATCH', `/api/hub/members/${first.memberId}`, {
        token: owner.token,
        body: { timezone: 'Europe/Madrid' },
      }),
      200,
    );
    expect(await timezoneOf(first.memberId)).toBe('Europe/Madrid');
    const refused = await http.request<Body>('PATCH', `/api/hub/members/${first.memberId}`, {
      token: owner.token,
      body: { timezone: 'Nowhere/Else' },
    });
    expect(refused.status).toBe(422);
    expect(await timezoneOf(first.memberId)).toBe('Europe/Madrid');
  });

  it('recognises a signed-in user of the host site on every device through the signed identity', async () => {
    const userId = 'customer-4821';
    const userHash = sign(identitySecret, userId);
    const laptop = await openWidgetMember(http, owner.slug, {
      origin: shop,
      body: { visitorId: visitor('laptop'), userId, userHash, name: 'Marta' },
    });
    const phone = await openWidgetMember(http, owner.slug, {
      origin: shop,
      body: { visitorId: visitor('phone'), userId, userHash },
    });
    expect(phone.memberId).toBe(laptop.memberId);
    expect(phone.conversationId).toBe(laptop.conversationId);
    // The same visitor signed out is someone else: the signature, not the browser, names the member.
    const anonymous = await openWidgetMember(http, owner.slug, {
      origin: shop,
      body: { visitorId: visitor('laptop') },
    });
    expect(anonymous.memberId).not.toBe(laptop.memberId);
  });

  it('refuses a signed identity that does not verify with 401 and creates nothing', async () => {
    const before = await counts(owner.creatorId);
    const attempts: Body[] = [
      { userId: 'customer-1', userHash: sign(identitySecret, 'customer-2') },
      { userId: 'customer-1', userHash: sign('a guessed secret', 'customer-1') },
      { userId: 'customer-1' },
      { userHash: sign(identitySecret, 'customer-1') },
    ];
    for (const body of attempts) {
      const response = await requestWidgetSession(http, owner.slug, { origin: shop, body });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ status: 401, code: 'INVALID_SIGNATURE' });
    }
    expect(await counts(owner.creatorId)).toEqual(before);
  });

  it('refuses signed identities with 401 while the creator has no identity secret', async () => {
    const response = await requestWidgetSession(http, unconfigured.slug, {
      origin: ownOrigin,
      body: { userId: 'customer-1', userHash: sign(identitySecret, 'customer-1') },
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('stops accepting the old signatures once the identity secret is rotated', async () => {
    const creator = await registerCreator(http, 'widget-rotate');
    await allowWidgetOrigins(http, creator, [shop]);
    const secret = async () =>
      expectStatus(
        await http.post<Body>('/api/hub/channels/widget/identity-secret', undefined, {
          token: creator.token,
        }),
        201,
      ).body.secret as string;
    const old = await secret();
    const body = { userId: 'u-1', userHash: sign(old, 'u-1') };
    expectStatus(await requestWidgetSession(http, creator.slug, { origin: shop, body }), 201);
    const current = await secret();
    expect(current).not.toBe(old);
    expect((await requestWidgetSession(http, creator.slug, { origin: shop, body })).status).toBe(401);
    expectStatus(
      await requestWidgetSession(http, creator.slug, {
        origin: shop,
        body: { userId: 'u-1', userHash: sign(current, 'u-1') },
      }),
      201,
    );
  });

  it('answers CORS preflights from the creator’s site for the session and history routes', async () => {
    const preflight = (path: string, headers: string) =>
      fetch(`${channel.baseUrl}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: shop,
          'access-control-request-method': path.endsWith('/sessions') ? 'POST' : 'GET',
          'access-control-request-headers': headers,
        },
      });
    const sessions = await preflight(`/api/channels/widget/${owner.slug}/sessions`, 'content-type');
    expect(sessions.status).toBeLessThan(300);
    expect(sessions.headers.get('access-control-allow-origin')).toBe(shop);
    expect(sessions.headers.get('access-control-allow-methods')).toContain('POST');
    expect(sessions.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');

    const history = await preflight('/api/channels/messages', 'authorization');
    expect(history.status).toBeLessThan(300);
    expect(history.headers.get('access-control-allow-origin')).toBe(shop);
    expect(history.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');

    // The actual responses carry the header too, and the staff API stays closed to the site.
    const opened = await requestWidgetSession(http, owner.slug, { origin: shop });
    expect(opened.headers.get('access-control-allow-origin')).toBe(shop);
    const hub = await preflight('/api/hub/channels', 'authorization');
    expect(hub.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("returns the member's own conversation oldest first, with the event id of every message", async () => {
    const member = await openWidgetMember(http, owner.slug, { origin: shop });
    const neighbour = await openWidgetMember(http, owner.slug, { origin: shop });
    const client = await connectWs(channel.baseUrl, member.token, { channel: 'widget' });
    try {
      for (const [clientId, text] of [
        ['h-1', 'Where do I start?'],
        ['h-2', 'And after that?'],
      ] as const) {
        const from = client.frames.length;
        client.send({ type: 'message', clientId, text });
        await client.waitFor((frame) => frame.type === 'message' && frame.message.author === 'coach', {
          from,
          timeoutMs: 60_000,
        });
      }
    } finally {
      await client.close();
    }
    const live = client.frames.filter((frame) => frame.type === 'message');
    expect(live).toHaveLength(4);

    const history = expectStatus(
      await http.get<Body>('/api/channels/messages?channel=widget', { token: member.token }),
      200,
    ).body;
    expect(history.conversationId).toBe(member.conversationId);
    expect(history.items.map((item: Body) => [item.id, item.eventId])).toEqual(
      live.map((frame) => [frame.message.id, frame.eventId]),
    );
    expect(history.items.map((item: Body) => item.author)).toEqual(['member', 'coach', 'member', 'coach']);
    expect(history.items[0]).toMatchObject({
      content: 'Where do I start?',
      clientId: 'h-1',
      direction: 'in',
    });
    expect(history.lastEventId).toBe(live.at(-1)!.eventId);

    const latest = expectStatus(
      await http.get<Body>('/api/channels/messages?limit=2', { token: member.token }),
      200,
    ).body;
    expect(latest.items.map((item: Body) => item.id)).toEqual(
      history.items.slice(2).map((item: Body) => item.id),
    );

    const others = expectStatus(
      await http.get<Body>('/api/channels/messages', { token: neighbour.token }),
      200,
    ).body;
    expect(others.items).toEqual([]);
    expect(others.lastEventId).toBeNull();
    expect((await http.get<Body>('/api/channels/messages')).status).toBe(401);
    expect((await http.get<Body>('/api/channels/messages', { token: owner.token })).status).toBe(403);
  });

  it('lists a command and its same-transaction answer in the order they were written', async () => {
    const member = await openWidgetMember(http, owner.slug, { origin: shop });
    const client = await connectWs(channel.baseUrl, member.token, { channel: 'widget' });
    try {
      // "link" is answered by the system in the transaction that stores it: both rows share created_at.
      for (let round = 1; round <= 6; round += 1) {
        const from = client.frames.length;
        client.send({ type: 'message', clientId: `link-${round}`, text: 'link' });
        await client.waitFor((frame) => frame.type === 'message' && frame.message.author === 'system', {
          from,
        });
      }
    } finally {
      await client.close();
    }
    const live = client.frames.filter((frame) => frame.type === 'message');
    expect(live.map((frame) => frame.message.author)).toEqual(Array(6).fill(['member', 'system']).flat());
    const history = expectStatus(
      await http.get<Body>('/api/channels/messages', { token: member.token }),
      200,
    ).body;
    expect(history.items.map((item: Body) => [item.author, item.eventId])).toEqual(
      live.map((frame) => [frame.message.author, frame.eventId]),
    );
    expect(history.items[1].content).toMatch(/^Your link code is \d{6}\./);
  });

  it('issues a six-digit link code valid for 15 minutes, stored only as a MAC', async () => {
    const member = await openWidgetMember(http, owner.slug, { origin: shop });
    const issued = expectStatus(
      await http.post<Body>('/api/channels/link-codes', undefined, { token: member.token }),
      201,
    ).body;
    expect(issued.code).toMatch(/^\d{6}$/);
    const ttl = Date.parse(issued.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    const again = expectStatus(
      await http.post<Body>('/api/channels/link-codes', undefined, { token: member.token }),
      201,
    ).body;
    const stored = await withTenant(
      channel.server.runtime.db,
      owner.creatorId,
      async (tx) =>
        (
          await tx.query<{ codeHash: string }>(
            'select code_hash as "codeHash" from channel_link_codes where member_id = $1 and used_at is null',
            [member.memberId],
          )
        ).rows,
    );
    // A new code replaces the unused one; neither is stored in the clear.
    expect(stored).toHaveLength(1);
    expect(stored[0]!.codeHash).not.toContain(again.code);
    expect(
      (await http.post<Body>('/api/channels/link-codes', undefined, { token: owner.token })).status,
    ).toBe(403);
    expect((await http.post<Body>('/api/channels/link-codes')).status).toBe(401);
  });

  describe('with a per-IP session limit', () => {
    let gateway: ChannelTestServer;
    let creator: Creator;

    beforeAll(async () => {
      gateway = await startGatewayServer(backend, { WIDGET_SESSIONS_PER_MINUTE: '3' });
      creator = await registerCreator(gateway.http, 'widget-limited');
    });
    afterAll(async () => gateway?.close());

    it('answers 429 with Retry-After once an address opened its sessions for the minute', async () => {
      for (let index = 0; index < 3; index += 1)
        expectStatus(await requestWidgetSession(gateway.http, creator.slug, { origin: ownOrigin }), 201);
      const limited = await requestWidgetSession(gateway.http, creator.slug, { origin: ownOrigin });
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });
});
