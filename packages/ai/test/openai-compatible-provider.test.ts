import { AppError } from '@companero/core/errors/app-error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiCompatibleProvider } from '../src/llm/openai-compatible-provider';
import { collect, type FakeModelServer, startFakeModelServer, waitFor } from './fake-model-server';

// Events shaped like https://platform.openai.com/docs/api-reference/chat-streaming
const chunkEvent = (delta: Record<string, unknown>, finishReason: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  })}\n\n`;

const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

describe('OpenAI-compatible provider', () => {
  let server: FakeModelServer;

  beforeAll(async () => {
    server = await startFakeModelServer({
      'GET /v1/models': (request, response) => {
        if (request.headers.authorization !== 'Bearer sk-test') {
          response.writeHead(401, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({
              error: { message: 'Incorrect API key provided', type: 'invalid_request_error' },
            }),
          );
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] }));
      },
      'POST /v1/chat/completions': async (request, response) => {
        const prompt: string = request.body.messages.at(-1).content;
        if (request.headers.authorization === 'Bearer wrong') {
          response.writeHead(401, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({
              error: { message: 'Incorrect API key provided', type: 'invalid_request_error' },
            }),
          );
          return;
        }
        if (prompt === 'overloaded') {
          response.writeHead(503, { 'content-type': 'text/plain' }).end('upstream overloaded');
          return;
        }
        response.writeHead(200, sseHeaders);
        if (prompt === 'hang after one token') {
          response.write(chunkEvent({ role: 'assistant', content: 'Once' }));
          return;
        }
        if (prompt === 'fail midway') {
          response.write(chunkEvent({ content: 'Par' }));
          response.end(`data: ${JSON.stringify({ error: { message: 'the model crashed' } })}\n\n`);
          return;
        }
        if (prompt === 'no done') {
          response.end(chunkEvent({ content: 'cut' }));
          return;
        }
        response.write(': keep-alive comment\n\n');
        response.write(chunkEvent({ role: 'assistant', content: '' }));
        // Split inside an event and inside the two-byte "ñ": the client must reassemble both.
        const event = Buffer.from(chunkEvent({ content: 'compañero' }));
        const split = event.indexOf(Buffer.from('ñ')) + 1;
        response.write(event.subarray(0, split));
        await new Promise((resolve) => setTimeout(resolve, 20));
        response.write(event.subarray(split));
        response.write(chunkEvent({ content: ', ' }).replaceAll('\n', '\r\n'));
        response.write(chunkEvent({ content: 'keep going' }));
        response.write(chunkEvent({}, 'stop'));
        response.end('data: [DONE]\n\n');
      },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('streams the deltas in order and sends the model, messages, options and bearer key', async () => {
    const provider = createOpenAiCompatibleProvider({
      baseUrl: `${server.url}/v1`,
      apiKey: 'sk-test',
      model: 'gpt-4o-mini',
    });
    const messages = [
      { role: 'system' as const, content: 'You are a coach.' },
      { role: 'user' as const, content: 'Greet me' },
    ];
    const chunks = await collect(provider.generate(messages, { temperature: 0.3, maxTokens: 50 }));
    expect(chunks).toEqual(['compañero', ', ', 'keep going']);
    const request = server.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.body).toEqual({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      temperature: 0.3,
      max_tokens: 50,
    });
    expect(provider).toMatchObject({ name: 'openai-compatible', model: 'gpt-4o-mini' });
  });

  it('sends no Authorization header without a key, and honours a per-call model', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${server.url}/v1/`, model: 'local-model' });
    await collect(provider.generate([{ role: 'user', content: 'hi' }], { model: 'other-model' }));
    const request = server.requests.at(-1)!;
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body.model).toBe('other-model');
    expect(request.body).not.toHaveProperty('max_tokens');
  });

  it('rejects with the status and the server error message on 401 and 503', async () => {
    const wrongKey = createOpenAiCompatibleProvider({
      baseUrl: `${server.url}/v1`,
      apiKey: 'wrong',
      model: 'm',
    });
    const unauthorized = collect(wrongKey.generate([{ role: 'user', content: 'hi' }]));
    await expect(unauthorized).rejects.toThrow(AppError);
    await expect(unauthorized).rejects.toThrow(/HTTP 401 .*Incorrect API key provided/);
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${server.url}/v1`, model: 'm' });
    await expect(collect(provider.generate([{ role: 'user', content: 'overloaded' }]))).rejects.toThrow(
      /HTTP 503 .*upstream overloaded/,
    );
  });

  it('rejects on an error event in the stream and on a stream that ends without [DONE]', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${server.url}/v1`, model: 'm' });
    const chunks: string[] = [];
    const failure = (async () => {
      for await (const chunk of provider.generate([{ role: 'user', content: 'fail midway' }]))
        chunks.push(chunk);
    })();
    await expect(failure).rejects.toThrow(/the model crashed/);
    expect(chunks).toEqual(['Par']);
    await expect(collect(provider.generate([{ role: 'user', content: 'no done' }]))).rejects.toThrow(
      /\[DONE\]/,
    );
  });

  it('stops the stream and closes the connection when the caller aborts', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${server.url}/v1`, model: 'm' });
    const controller = new AbortController();
    const chunks: string[] = [];
    const failure = (async () => {
      for await (const chunk of provider.generate([{ role: 'user', content: 'hang after one token' }], {
        signal: controller.signal,
      })) {
        chunks.push(chunk);
        controller.abort();
      }
    })();
    await expect(failure).rejects.toMatchObject({ name: 'AbortError' });
    expect(chunks).toEqual(['Once']);
    const request = server.requests.at(-1)!;
    await waitFor(() => request.isClientGone);
  });

  it('closes the connection when the consumer stops reading early', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${server.url}/v1`, model: 'm' });
    for await (const _chunk of provider.generate([{ role: 'user', content: 'hang after one token' }])) break;
    const request = server.requests.at(-1)!;
    await waitFor(() => request.isClientGone);
  });

  it('pings GET /models with the key', async () => {
    await createOpenAiCompatibleProvider({
      baseUrl: `${server.url}/v1`,
      apiKey: 'sk-test',
      model: 'm',
    }).ping();
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
    const withoutKey = createOpenAiCompatibleProvider({ baseUrl: `${server.url}/v1`, model: 'm' });
    await expect(withoutKey.ping()).rejects.toThrow(/HTTP 401/);
  });
});
