import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { type Conversation, createConversation, type WidgetIdentity } from '../src/conversation';
import type { SocketLike } from '../src/live-connection';
import { createWidgetStorage } from '../src/storage';
import { channelMessage, type Gateway, type HttpHandler, startGateway } from './gateway-server';

const theme = {
  primaryColor: '#0f766e',
  position: 'bottom-left',
  title: 'Ask Ana',
  avatarUrl: null,
  greeting: 'Hola! Ask me anything.',
};
const visitorId = 'visitor_0123456789abcdef';
const coachReplyId = '66666666-6666-4666-8666-666666666666';
const memberMessageId = '77777777-7777-4777-8777-777777777777';

let gateway: Gateway | null = null;
let conversation: Conversation | null = null;

afterEach(async () => {
  conversation?.stop();
  conversation = null;
  await gateway?.close();
  gateway = null;
  vi.restoreAllMocks();
});

const json = (response: ServerResponse, status: number, body: unknown, type = 'application/json') =>
  response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));

const memoryBacking = () => {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
};

/** A gateway whose widget endpoints answer like the documented API, recording each session request. */
const startWidgetGateway = async (
  options: {
    history?: unknown[];
    lastEventId?: string | null;
    onHttp?: HttpHandler;
    isDown?: () => boolean;
  } = {},
) => {
  const sessionRequests: Array<Record<string, unknown>> = [];
  const historyTokens: string[] = [];
  gateway = await startGateway({
    onHttp:
      options.onHttp ??
      ((request, body, response) => {
        // Cut before any response, as a dropped network would.
        if (options.isDown?.()) return request.socket.destroy();
        if (request.method === 'POST' && request.url === '/api/channels/widget/ana/sessions') {
          sessionRequests.push(body as Record<string, unknown>);
          json(response, 201, {
            token: `token-${sessionRequests.length}`,
            refreshToken: 'refresh',
            expiresIn: 900,
            memberId: '88888888-8888-4888-8888-888888888888',
            visitorId: (body as { visitorId?: string }).visitorId ?? visitorId,
            conversationId: '7d1c4a52-1f0e-4c43-9c55-2a4c1b9e0f11',
            theme,
            welcomeMessage: 'Welcome! I answer from Ana’s guides.',
            coachName: 'Ana’s coach',
          });
          return;
        }
        if (request.method === 'GET' && request.url === '/api/channels/messages') {
          historyTokens.push(String(request.headers.authorization));
          json(response, 200, {
            conversationId: '7d1c4a52-1f0e-4c43-9c55-2a4c1b9e0f11',
            items: options.history ?? [],
            lastEventId: options.lastEventId ?? null,
          });
          return;
        }
        response.writeHead(404).end();
      }),
  });
  return { gateway, sessionRequests, historyTokens };
};

const startConversation = (
  origin: string,
  overrides: { identity?: WidgetIdentity; backing?: ReturnType<typeof memoryBacking> } = {},
) => {
  const backing = overrides.backing ?? memoryBacking();
  const onChange = vi.fn();
  conversation = createConversation({
    origin,
    creatorSlug: 'ana',
    identity: overrides.identity ?? {},
    storage: createWidgetStorage('ana', () => backing),
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    connection: { backoff: { initialMs: 20, maxMs: 100 } },
    onChange,
  });
  return { conversation, backing, onChange };
};

const waitUntil = (condition: () => boolean) =>
  vi.waitFor(() => expect(condition()).toBe(true), { timeout: 5_000 });

// The widget sends the browser's (here: the test process's) time zone with every session request.
const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

describe('conversation', () => {
  it("opens a session, loads the history and resumes the live connection from the history's last event", async () => {
    const { gateway, sessionRequests, historyTokens } = await startWidgetGateway({
      history: [
        {
          ...channelMessage({
            id: memberMessageId,
            author: 'member',
            content: 'Hi',
            createdAt: '2025-01-01T10:00:00Z',
          }),
          eventId: '3',
        },
        {
          ...channelMessage({
            id: coachReplyId,
            author: 'coach',
            content: 'Hello!',
            createdAt: '2025-01-01T10:00:01Z',
          }),
          eventId: '4',
        },
      ],
      lastEventId: '5',
    });
    const { conversation, backing } = startConversation(gateway.origin);

    await conversation.start();

    expect(conversation.phase).toBe('ready');
    expect(conversation.session?.theme.title).toBe('Ask Ana');
    expect(conversation.store.list().map((entry) => entry.content)).toEqual(['Hi', 'Hello!']);
    expect(sessionRequests).toEqual([{ timezone: localZone }]);
    expect(historyTokens).toEqual(['Bearer token-1']);
    expect(backing.values.get('companero:ana:visitor')).toBe(visitorId);
    expect(JSON.parse(backing.values.get('companero:ana:theme') ?? '{}')).toEqual(theme);

    const socket = await gateway.nextSocket();
    expect(Object.fromEntries(socket.url.searchParams)).toEqual({ token: 'token-1', channel: 'widget' });
    expect(await socket.nextFrame()).toEqual({ type: 'resume', lastEventId: '5' });
    await waitUntil(() => conversation.connectionStatus === 'online');
  });

  it('counts replies after the last one the member saw as unread, and none of the history on a first visit', async () => {
    const history = ['3', '4', '5'].map((eventId, index) => ({
      ...channelMessage({
        id: `0000000${index}-0000-4000-8000-000000000000`,
        author: 'coach',
        content: `Check-in ${eventId}`,
        createdAt: `2025-01-0${index + 1}T08:00:00Z`,
      }),
      eventId,
    }));
    const { gateway } = await startWidgetGateway({ history, lastEventId: '5' });

    const firstVisit = startConversation(gateway.origin).conversation;
    await firstVisit.start();
    expect(firstVisit.unseenCount).toBe(0);
    firstVisit.stop();

    const backing = memoryBacking();
    backing.values.set('companero:ana:visitor:seen', '3');
    const { conversation } = startConversation(gateway.origin, { backing });
    await conversation.start();
    expect(conversation.unseenCount).toBe(2);
    conversation.markSeen();
    expect(conversation.unseenCount).toBe(0);
    expect(backing.values.get('companero:ana:visitor:seen')).toBe('5');
  });

  it('comes back as the same visitor after a reload', async () => {
    const { gateway, sessionRequests } = await startWidgetGateway();
    const backing = memoryBacking();
    backing.values.set('companero:ana:visitor', 'returning_visitor_12345');
    const { conversation } = startConversation(gateway.origin, { backing });
    expect(conversation.isReturningVisitor).toBe(true);
    await conversation.start();
    expect(sessionRequests).toEqual([{ visitorId: 'returning_visitor_12345', timezone: localZone }]);
  });

  it("sends a signed-in user's identity and keeps their visitor apart from the anonymous one", async () => {
    const { gateway, sessionRequests } = await startWidgetGateway();
    const backing = memoryBacking();
    backing.values.set('companero:ana:visitor', 'anonymous_visitor_1234');
    const identity = {
      userId: 'user-42',
      userHash: 'a'.repeat(64),
      name: 'Lucía',
      email: 'lucia@example.com',
    };
    const { conversation } = startConversation(gateway.origin, { identity, backing });
    await conversation.start();
    expect(sessionRequests).toEqual([{ ...identity, timezone: localZone }]);
    expect(backing.values.get('companero:ana:visitor:user-42')).toBe(visitorId);
    expect(backing.values.get('companero:ana:visitor')).toBe('anonymous_visitor_1234');
  });

  it('reports a refused origin as a problem to show, and tells the site owner why in the console', async () => {
    const { gateway } = await startWidgetGateway({
      onHttp: (_request, _body, response) =>
        json(
          response,
          403,
          {
            type: 'about:blank',
            title: 'Forbidden',
            status: 403,
            detail: 'https://shop.example is not an allowed origin',
          },
          'application/problem+json',
        ),
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { conversation } = startConversation(gateway.origin);

    await conversation.start();

    expect(conversation.phase).toBe('failed');
    expect(conversation.problem).toBe('forbidden');
    expect(warn).toHaveBeenCalledWith('Compañero widget: https://shop.example is not an allowed origin');
    expect(gateway.sockets).toHaveLength(0);
  });

  it('reports an unreachable server and succeeds when started again', async () => {
    let isDown = true;
    const { gateway } = await startWidgetGateway({ isDown: () => isDown });
    const { conversation } = startConversation(gateway.origin);

    await conversation.start();
    expect(conversation.phase).toBe('failed');
    expect(conversation.problem).toBe('unavailable');

    isDown = false;
    await conversation.start();
    expect(conversation.phase).toBe('ready');
    expect(conversation.problem).toBeNull();
  });

  it('on an expired token (close 4001) opens a new session as the same visitor and reconnects with the new token', async () => {
    const { gateway, sessionRequests } = await startWidgetGateway();
    const { conversation } = startConversation(gateway.origin);
    await conversation.start();
    const first = await gateway.nextSocket();
    await first.nextFrame();
    first.socket.close(4001, 'token expired');

    const second = await gateway.nextSocket();
    expect(second.url.searchParams.get('token')).toBe('token-2');
    expect(sessionRequests).toEqual([{ timezone: localZone }, { visitorId, timezone: localZone }]);
    expect(conversation.phase).toBe('ready');
  });

  it('shows a sent message once through ack and storage, and streams the coach reply into its final form', async () => {
    const { gateway } = await startWidgetGateway();
    const { conversation } = startConversation(gateway.origin);
    await conversation.start();
    const socket = await gateway.nextSocket();
    await socket.nextFrame();

    conversation.send('  How many hours should I sleep?  ');
    const sent = await socket.nextFrame();
    expect(sent).toMatchObject({ type: 'message', text: 'How many hours should I sleep?' });
    const clientId = String(sent.clientId);
    expect(conversation.store.list()[0]).toMatchObject({ status: 'pending', clientId });
    expect(conversation.isCoachTyping).toBe(true);

    socket.send({ type: 'ack', clientId, messageId: memberMessageId });
    socket.send({
      type: 'message',
      eventId: '10',
      message: channelMessage({
        id: memberMessageId,
        author: 'member',
        content: 'How many hours should I sleep?',
        createdAt: '2025-01-01T10:00:00Z',
        clientId,
      }),
    });
    socket.send({ type: 'token', messageId: coachReplyId, delta: 'Seven to ' });
    socket.send({ type: 'token', messageId: coachReplyId, delta: 'nine.' });
    await waitUntil(() => conversation.store.list()[1]?.content === 'Seven to nine.');
    expect(conversation.isCoachTyping).toBe(false);

    socket.send({
      type: 'message',
      eventId: '11',
      message: channelMessage({
        id: coachReplyId,
        author: 'coach',
        content: 'Seven to nine hours [1].',
        createdAt: '2025-01-01T10:00:03Z',
        citations: [{ index: 1, title: 'Sleep guide', snippet: 'Adults need 7–9 hours.' }],
      }),
    });
    // Replayed after a reconnect: already seen, so nothing changes.
    socket.send({
      type: 'message',
      eventId: '11',
      message: channelMessage({
        id: coachReplyId,
        author: 'coach',
        content: 'Seven to nine hours [1].',
        createdAt: '2025-01-01T10:00:03Z',
      }),
    });
    await waitUntil(() => conversation.store.list()[1]?.status === 'sent');

    expect(conversation.store.list().map((entry) => [entry.author, entry.status, entry.content])).toEqual([
      ['member', 'sent', 'How many hours should I sleep?'],
      ['coach', 'sent', 'Seven to nine hours [1].'],
    ]);
    expect(conversation.store.lastEventId).toBe('11');
  });

  it('marks a refused message failed with the reason, and a retry sends it as a new message', async () => {
    const { gateway } = await startWidgetGateway();
    const { conversation } = startConversation(gateway.origin);
    await conversation.start();
    const socket = await gateway.nextSocket();
    await socket.nextFrame();

    conversation.send('hello');
    const first = await socket.nextFrame();
    socket.send({
      type: 'error',
      code: 'rate_limited',
      detail: 'Too many messages; wait a minute.',
      clientId: first.clientId,
    });
    await waitUntil(() => conversation.store.list()[0]?.status === 'failed');
    const failed = conversation.store.list()[0]!;
    expect(failed.error).toBe('Too many messages; wait a minute.');

    conversation.retry(failed.key);
    const again = await socket.nextFrame();
    expect(again).toMatchObject({ type: 'message', text: 'hello' });
    expect(again.clientId).not.toBe(first.clientId);
    expect(conversation.store.list().map((entry) => entry.status)).toEqual(['pending']);
  });

  it('queues what the member writes before the connection is up and sends it after resume', async () => {
    const { gateway } = await startWidgetGateway();
    const { conversation } = startConversation(gateway.origin);
    const started = conversation.start();
    conversation.send('written while connecting');
    await started;
    const socket = await gateway.nextSocket();
    expect(await socket.nextFrame()).toMatchObject({ type: 'resume' });
    expect(await socket.nextFrame()).toMatchObject({ type: 'message', text: 'written while connecting' });
  });
});
