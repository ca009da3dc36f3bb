import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import {
  type ConnectionStatus,
  computeBackoffDelay,
  createLiveConnection,
  type LiveConnectionOptions,
  type ServerFrame,
  type SocketLike,
} from '../src/live-connection';
import { channelMessage, type Gateway, startGateway } from './gateway-server';

// `ws` implements the browser's WebSocket API the connection uses (onopen/onmessage/onclose, send, close).
const createSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;

let gateway: Gateway | null = null;
let stopConnection: (() => void) | null = null;

afterEach(async () => {
  stopConnection?.();
  stopConnection = null;
  await gateway?.close();
  gateway = null;
});

const connect = (overrides: Partial<LiveConnectionOptions> & { url: () => string }) => {
  const frames: ServerFrame[] = [];
  const statuses: ConnectionStatus[] = [];
  const connection = createLiveConnection({
    lastEventId: () => null,
    onFrame: (frame) => frames.push(frame),
    onStatus: (status) => statuses.push(status),
    onTokenExpired: async () => {},
    createSocket,
    backoff: { initialMs: 20, maxMs: 200 },
    random: () => 0.5,
    ...overrides,
  });
  stopConnection = () => connection.stop();
  connection.start();
  return { connection, frames, statuses };
};

const waitUntil = (condition: () => boolean) =>
  vi.waitFor(() => expect(condition()).toBe(true), { timeout: 5_000 });

describe('live connection', () => {
  it('sends resume with the last event it saw on every connect, first null, then the newest id', async () => {
    gateway = await startGateway();
    let lastEventId: string | null = null;
    const { frames } = connect({
      url: () => gateway!.wsUrl('?token=t1&channel=widget'),
      lastEventId: () => lastEventId,
      onFrame: (frame) => {
        frames.push(frame);
        if (frame.type === 'message') lastEventId = frame.eventId;
      },
    });

    const first = await gateway.nextSocket();
    expect(await first.nextFrame()).toEqual({ type: 'resume', lastEventId: null });
    expect(first.url.searchParams.get('channel')).toBe('widget');
    first.send({ type: 'ready', memberId: null, conversationId: null, lastEventId: '41' });
    first.send({
      type: 'message',
      eventId: '42',
      message: channelMessage({
        id: '44444444-4444-4444-8444-444444444444',
        author: 'coach',
        content: 'Hi',
        createdAt: '2025-01-01T10:00:00Z',
      }),
    });
    await waitUntil(() => lastEventId === '42');
    first.socket.close(1011, 'restarting');

    const second = await gateway.nextSocket();
    expect(await second.nextFrame()).toEqual({ type: 'resume', lastEventId: '42' });
    expect(frames.map((frame) => frame.type)).toEqual(['ready', 'message']);
  });

  it('queues messages typed while disconnected and sends them, with the same clientId, after resume', async () => {
    let isRefusing = true;
    gateway = await startGateway({ refuseUpgrades: () => isRefusing });
    const { connection } = connect({ url: () => gateway!.wsUrl(), lastEventId: () => '7' });

    expect(connection.sendMessage('client-a', 'first')).toBe(true);
    expect(connection.sendMessage('client-b', 'second')).toBe(true);
    await waitUntil(() => gateway!.upgradeTimes.length >= 2);
    isRefusing = false;

    const socket = await gateway.nextSocket();
    expect(await socket.nextFrame()).toEqual({ type: 'resume', lastEventId: '7' });
    expect(await socket.nextFrame()).toEqual({ type: 'message', clientId: 'client-a', text: 'first' });
    expect(await socket.nextFrame()).toEqual({ type: 'message', clientId: 'client-b', text: 'second' });
  });

  it('sends an unacknowledged message again after a drop, but not one the server acknowledged', async () => {
    gateway = await startGateway();
    const { connection, frames } = connect({ url: () => gateway!.wsUrl() });
    const first = await gateway.nextSocket();
    await first.nextFrame();
    await waitUntil(() => connection.status === 'online');

    connection.sendMessage('acked', 'one');
    connection.sendMessage('lost', 'two');
    expect(await first.nextFrame()).toMatchObject({ clientId: 'acked' });
    expect(await first.nextFrame()).toMatchObject({ clientId: 'lost' });
    first.send({ type: 'ack', clientId: 'acked', messageId: '55555555-5555-4555-8555-555555555555' });
    await waitUntil(() => frames.some((frame) => frame.type === 'ack'));
    expect([...connection.unacknowledged.keys()]).toEqual(['lost']);
    first.socket.terminate();

    const second = await gateway.nextSocket();
    expect(await second.nextFrame()).toMatchObject({ type: 'resume' });
    expect(await second.nextFrame()).toEqual({ type: 'message', clientId: 'lost', text: 'two' });
    second.send({ type: 'error', code: 'rate_limited', detail: 'Slow down', clientId: 'lost' });
    await waitUntil(() => connection.unacknowledged.size === 0);
  });

  it('waits longer after each failed attempt, up to the cap', async () => {
    gateway = await startGateway({ refuseUpgrades: () => true });
    const { statuses } = connect({
      url: () => gateway!.wsUrl(),
      backoff: { initialMs: 200, maxMs: 800 },
      random: () => 0,
    });
    await waitUntil(() => gateway!.upgradeTimes.length >= 5);

    const times = gateway.upgradeTimes;
    const gaps = times.slice(1, 5).map((time, index) => time - times[index]!);
    // With no jitter the waits are half of 200, 400, 800, 800 ms: the window stops growing at the cap.
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(gaps[2]).toBeGreaterThanOrEqual(395);
    expect(gaps[3]).toBeGreaterThanOrEqual(395);
    expect(gaps[3]).toBeLessThan(800);
    expect(statuses[0]).toBe('connecting');
    expect(statuses).toContain('reconnecting');
    expect(statuses).not.toContain('online');
  });

  it('spreads reconnect delays with jitter inside a window that doubles and stops at the cap', () => {
    const options = { initialMs: 500, maxMs: 30_000 };
    expect(computeBackoffDelay(0, options, () => 0)).toBe(250);
    expect(computeBackoffDelay(0, options, () => 1)).toBe(500);
    expect(computeBackoffDelay(3, options, () => 0.5)).toBe(3000);
    expect(computeBackoffDelay(20, options, () => 1)).toBe(30_000);
    expect(computeBackoffDelay(20, options, () => 0)).toBe(15_000);
  });

  it('on close code 4001 asks for a new token and reconnects with it at once', async () => {
    gateway = await startGateway();
    let token = 'expired-token';
    const onTokenExpired = vi.fn(async () => {
      token = 'fresh-token';
    });
    connect({
      url: () => gateway!.wsUrl(`?token=${token}&channel=widget`),
      onTokenExpired,
      backoff: { initialMs: 5_000, maxMs: 30_000 },
    });

    const first = await gateway.nextSocket();
    expect(first.url.searchParams.get('token')).toBe('expired-token');
    await first.nextFrame();
    first.socket.close(4001, 'token expired');

    const second = await gateway.nextSocket();
    // The backoff here is 2.5 s or more: arriving within the test's patience means the reconnect did not wait.
    expect(second.url.searchParams.get('token')).toBe('fresh-token');
    expect(await second.nextFrame()).toMatchObject({ type: 'resume' });
    expect(onTokenExpired).toHaveBeenCalledTimes(1);
  });

  it('backs off and asks again when getting a new token fails', async () => {
    gateway = await startGateway();
    let calls = 0;
    connect({
      url: () => gateway!.wsUrl(`?token=${calls}`),
      onTokenExpired: async () => {
        calls++;
        if (calls === 1) throw new Error('network down');
      },
    });
    const first = await gateway.nextSocket();
    first.socket.close(4001);
    const second = await gateway.nextSocket();
    second.socket.close(4001);
    const third = await gateway.nextSocket();
    expect(calls).toBe(2);
    expect(third.url.searchParams.get('token')).toBe('2');
  });

  it('gives up on a socket that stops answering pings and reconnects', async () => {
    gateway = await startGateway();
    const { statuses } = connect({
      url: () => gateway!.wsUrl(),
      heartbeat: { intervalMs: 30, timeoutMs: 60 },
    });
    const silent = await gateway.nextSocket();
    expect(await silent.nextFrame()).toMatchObject({ type: 'resume' });
    expect(await silent.nextFrame()).toEqual({ type: 'ping' });
    // The gateway never answers: the widget must not sit on a dead connection.
    const next = await gateway.nextSocket();
    expect(await next.nextFrame()).toMatchObject({ type: 'resume' });
    expect(statuses).toContain('reconnecting');
  });

  it('stays online while pongs come back', async () => {
    gateway = await startGateway({
      onSocket: (socket) => {
        socket.socket.on('message', (data) => {
          if (JSON.parse(String(data)).type === 'ping') socket.send({ type: 'pong' });
        });
      },
    });
    const { connection } = connect({
      url: () => gateway!.wsUrl(),
      heartbeat: { intervalMs: 20, timeoutMs: 300 },
    });
    await gateway.nextSocket();
    // Long enough for the silence clock to have run out twice over, had the pongs not been heard.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(gateway.sockets).toHaveLength(1);
    expect(connection.status).toBe('online');
  });

  it('does not reconnect after stop()', async () => {
    gateway = await startGateway();
    const { connection, statuses } = connect({ url: () => gateway!.wsUrl() });
    const socket = await gateway.nextSocket();
    await waitUntil(() => connection.status === 'online');
    connection.stop();
    expect(await socket.closed).toBe(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gateway.sockets).toHaveLength(1);
    expect(statuses.at(-1)).toBe('closed');
  });

  it('reconnects at once when asked to retry instead of waiting out the backoff', async () => {
    let isRefusing = true;
    gateway = await startGateway({ refuseUpgrades: () => isRefusing });
    const { connection } = connect({
      url: () => gateway!.wsUrl(),
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    await waitUntil(() => gateway!.upgradeTimes.length === 1 && connection.status === 'reconnecting');
    isRefusing = false;
    connection.retryNow();
    await gateway.nextSocket();
  });

  it('refuses a message larger than the gateway accepts instead of getting disconnected for it', () => {
    const connection = createLiveConnection({
      url: () => 'ws://127.0.0.1:1/',
      lastEventId: () => null,
      onFrame: () => {},
      onTokenExpired: async () => {},
      createSocket,
    });
    expect(connection.sendMessage('big', '\u0001'.repeat(4000))).toBe(false);
    expect(connection.sendMessage('fine', 'é'.repeat(4000))).toBe(true);
    expect(connection.unacknowledged.size).toBe(1);
  });
});
