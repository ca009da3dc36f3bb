import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** One WebSocket the gateway accepted, with every frame the widget sent on it. */
export type GatewaySocket = {
  url: URL;
  socket: WebSocket;
  frames: Array<Record<string, unknown>>;
  /** Resolves with the next frame received (or one already received and not yet taken). */
  nextFrame(): Promise<Record<string, unknown>>;
  send(frame: object): void;
  closed: Promise<number>;
};

export type HttpHandler = (request: IncomingMessage, body: unknown, response: ServerResponse) => void;

/**
 * A local server speaking the channel gateway's documented protocol (`/api/channels/ws` and the widget's HTTP
 * calls), scripted by each test. It stands in for the Compañero server until that side lands; the widget talks to
 * it through a real socket, exactly as it would in a browser.
 */
export const startGateway = async (
  options: {
    onSocket?: (socket: GatewaySocket) => void;
    onHttp?: HttpHandler;
    refuseUpgrades?: () => boolean;
  } = {},
) => {
  const sockets: GatewaySocket[] = [];
  const upgradeTimes: number[] = [];
  const socketWaiters: Array<(socket: GatewaySocket) => void> = [];

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : null;
      if (options.onHttp) options.onHttp(request, body, response);
      else response.writeHead(404).end();
    });
  });
  const webSockets = new WebSocketServer({
    server,
    path: '/api/channels/ws',
    verifyClient: (_info, callback) => {
      upgradeTimes.push(Date.now());
      if (options.refuseUpgrades?.()) callback(false, 503, 'Service Unavailable');
      else callback(true);
    },
  });
  webSockets.on('connection', (socket, request) => {
    const frames: Array<Record<string, unknown>> = [];
    const pending: Array<Record<string, unknown>> = [];
    const waiters: Array<(frame: Record<string, unknown>) => void> = [];
    const gatewaySocket: GatewaySocket = {
      url: new URL(request.url ?? '/', 'http://localhost'),
      socket,
      frames,
      nextFrame: () => {
        const ready = pending.shift();
        if (ready) return Promise.resolve(ready);
        return new Promise((resolve) => waiters.push(resolve));
      },
      send: (frame) => socket.send(JSON.stringify(frame)),
      closed: new Promise((resolve) => socket.on('close', (code) => resolve(code))),
    };
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(frame);
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else pending.push(frame);
    });
    sockets.push(gatewaySocket);
    options.onSocket?.(gatewaySocket);
    socketWaiters.shift()?.(gatewaySocket);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let taken = 0;

  return {
    origin: `http://127.0.0.1:${port}`,
    wsUrl: (query = '') => `ws://127.0.0.1:${port}/api/channels/ws${query}`,
    sockets,
    upgradeTimes,
    /** The next accepted socket that no earlier call has taken. */
    nextSocket(): Promise<GatewaySocket> {
      const existing = sockets[taken];
      if (existing) {
        taken++;
        return Promise.resolve(existing);
      }
      return new Promise((resolve) =>
        socketWaiters.push((socket) => {
          taken++;
          resolve(socket);
        }),
      );
    },
    async close() {
      for (const client of webSockets.clients) client.terminate();
      await new Promise<void>((resolve) => webSockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
export type Gateway = Awaited<ReturnType<typeof startGateway>>;

/** A stored message shaped like the gateway's `ChannelMessage`. */
export const channelMessage = (fields: {
  id: string;
  author: 'member' | 'coach' | 'staff' | 'system';
  content: string;
  createdAt: string;
  clientId?: string | null;
  quickReplies?: string[];
  citations?: Array<{ index: number; title: string; snippet: string }>;
}) => ({
  id: fields.id,
  conversationId: '7d1c4a52-1f0e-4c43-9c55-2a4c1b9e0f11',
  direction: fields.author === 'member' ? ('in' as const) : ('out' as const),
  author: fields.author,
  content: fields.content,
  channel: 'widget',
  citations: (fields.citations ?? []).map((citation) => ({
    ...citation,
    documentId: '0b6c1a0e-5b8f-4a52-8e43-3d2f1c0a9b77',
    chunkId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    headingPath: ['Sleep', 'Habits'],
    page: 3,
    score: 0.82,
  })),
  grounded: fields.author === 'coach' ? true : null,
  quickReplies: fields.quickReplies ?? [],
  clientId: fields.clientId ?? null,
  createdAt: fields.createdAt,
});
