import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeOpenAiProvider = {
  /** What OPENAI_BASE_URL should be. */
  url: string;
  /** Chat completions answered so far, and those still streaming. */
  readonly completed: number;
  readonly streaming: number;
  close(): Promise<void>;
};

/** A question containing this marker is answered slowly, one token every `slowTokenMs`. */
export const slowMarker = 'take-your-time';

/**
 * A local server speaking OpenAI's streaming chat completions
 * (https://platform.openai.com/docs/api-reference/chat-streaming): chunks of `chat.completion.chunk`, then
 * `data: [DONE]`. Answers cite source [1]. Questions carrying `slowMarker` stream one token every
 * `slowTokenMs`, so a test can see tokens arrive apart and keep a request in flight; every other question is
 * answered at once.
 */
export const startFakeOpenAiProvider = async (options: {
  slowTokenMs: number;
}): Promise<FakeOpenAiProvider> => {
  let completed = 0;
  let streaming = 0;
  const words = [
    'Start ',
    'with ',
    'one ',
    'tiny ',
    'habit ',
    'and ',
    'stack ',
    'it ',
    'on ',
    'a ',
    'routine ',
    '[1].',
  ];
  const chunk = (content: string) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-deploy', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    for await (const part of request) body += String(part);
    if (request.method === 'GET' && request.url?.endsWith('/models')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] }));
      return;
    }
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404).end();
      return;
    }
    const delayMs = body.includes(slowMarker) ? options.slowTokenMs : 0;
    streaming += 1;
    try {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const word of words) {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (response.destroyed) return;
        response.write(chunk(word));
      }
      response.end('data: [DONE]\n\n');
      completed += 1;
    } finally {
      streaming -= 1;
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get completed() {
      return completed;
    },
    get streaming() {
      return streaming;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** The number of tokens every fake answer has. */
export const fakeAnswerTokens = 12;
