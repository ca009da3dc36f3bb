import { request as httpRequest } from 'node:http';
import { WebSocket } from 'ws';

export type Loose = Record<string, any>;

/** A plain HTTP request from a chosen local address (127.0.0.x), so nginx sees a different client. */
export const requestFrom = (
  localAddress: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const outgoing = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress,
        agent: false,
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });

export type StreamedEvent = { event: string; data: Loose; at: number };

/**
 * POST /api/ai/ask with `Accept: text/event-stream`, recording when each event arrived. Resolves when the
 * stream ends (or fails with what arrived so far in the message).
 */
export const askStreaming = async (
  baseUrl: string,
  token: string,
  question: string,
  options: { requestId?: string; onEvent?: (event: StreamedEvent) => void } = {},
): Promise<{ status: number; requestId: string | null; events: StreamedEvent[]; startedAt: number }> => {
  const startedAt = performance.now();
  const response = await fetch(`${baseUrl}/api/ai/ask`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
      'content-type': 'application/json',
      ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
    },
    body: JSON.stringify({ question }),
  });
  const events: StreamedEvent[] = [];
  if (!response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    await response.text();
    return { status: response.status, requestId: response.headers.get('x-request-id'), events, startedAt };
  }
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const at = performance.now();
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!event || data === undefined) continue;
      const parsed = { event, data: JSON.parse(data) as Loose, at };
      events.push(parsed);
      options.onEvent?.(parsed);
    }
  }
  return { status: response.status, requestId: response.headers.get('x-request-id'), events, startedAt };
};

export type WsClient = {
  frames: Loose[];
  send(frame: unknown): void;
  waitFor(matches: (frame: Loose) => boolean, timeoutMs?: number): Promise<Loose>;
  close(): Promise<void>;
};

/** The chat WebSocket, as the widget or the dashboard opens it, recording every frame. */
export const connectWs = (
  baseUrl: string,
  token: string,
  options: { channel?: string; headers?: Record<string, string> } = {},
): Promise<WsClient> =>
  new Promise((resolve, reject) => {
    const url = new URL('/api/channels/ws', baseUrl.replace(/^http/, 'ws'));
    url.searchParams.set('token', token);
    if (options.channel) url.searchParams.set('channel', options.channel);
    const socket = new WebSocket(url, { headers: options.headers });
    const frames: Loose[] = [];
    const waiters = new Set<() => void>();
    let isClosed = false;
    socket.on('message', (data) => {
      frames.push(JSON.parse(data.toString()) as Loose);
      for (const waiter of [...waiters]) waiter();
    });
    const closed = new Promise<void>((resolveClosed) =>
      socket.on('close', () => {
        isClosed = true;
        for (const waiter of [...waiters]) waiter();
        resolveClosed();
      }),
    );
    socket.on('unexpected-response', (_request, response) => {
      reject(new Error(`the upgrade was refused with HTTP ${response.statusCode}`));
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (socket.readyState === WebSocket.CONNECTING) reject(error);
    });
    socket.on('open', () =>
      resolve({
        frames,
        send: (frame) => socket.send(JSON.stringify(frame)),
        waitFor: (matches, timeoutMs = 30_000) =>
          new Promise((resolveFrame, rejectFrame) => {
            const check = () => {
              const found = frames.find(matches);
              if (found) {
                done();
                resolveFrame(found);
              } else if (isClosed) {
                done();
                rejectFrame(new Error('the WebSocket closed before the expected frame'));
              }
            };
            const timer = setTimeout(() => {
              done();
              rejectFrame(new Error(`no expected frame within ${timeoutMs} ms (${frames.length} frames)`));
            }, timeoutMs);
            const done = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          }),
        close: async () => {
          if (!isClosed) socket.close();
          await closed;
        },
      }),
    );
  });

/** POST /api/hub/knowledge/documents as the dashboard's file input sends it. */
export const uploadDocument = async (baseUrl: string, token: string, name: string, bytes: Uint8Array) => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const response = await fetch(`${baseUrl}/api/hub/knowledge/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Loose };
};

/** Polls `check` until it answers a value (not undefined) or the time runs out. */
export const eventually = async <T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};
