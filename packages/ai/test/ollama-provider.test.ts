import type { ServerResponse } from 'node:http';
import { AppError } from '@companero/core/errors/app-error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOllamaProvider } from '../src/llm/ollama-provider';
import {
  closedPort,
  collect,
  type FakeModelServer,
  type RecordedRequest,
  startFakeModelServer,
  waitFor,
} from './fake-model-server';

// Lines shaped like https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
const chatLine = (model: string, content: string) =>
  `${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, done: false })}\n`;
const doneLine = (model: string) =>
  `${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 1000, eval_count: 3 })}\n`;

const streamReply = (request: RecordedRequest, response: ServerResponse, parts: string[]) => {
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const part of parts) response.write(chatLine(request.body.model, part));
  response.end(doneLine(request.body.model));
};

describe('Ollama provider', () => {
  let ollama: FakeModelServer;

  beforeAll(async () => {
    ollama = await startFakeModelServer({
      'GET /api/version': (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.12.0"}');
      },
      'POST /api/chat': async (request, response) => {
        const prompt: string = request.body.messages.at(-1).content;
        if (request.body.model === 'missing-model') {
          response
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: 'model "missing-model" not found, try pulling it first' }));
          return;
        }
        if (prompt === 'fail midway') {
          response.writeHead(200, { 'content-type': 'application/x-ndjson' });
          response.write(chatLine(request.body.model, 'Par'));
          response.end(`${JSON.stringify({ error: 'an error was encountered while running the model' })}\n`);
          return;
        }
        if (prompt === 'hang after one token') {
          response.writeHead(200, { 'content-type': 'application/x-ndjson' });
          response.write(chatLine(request.body.model, 'Once'));
          return; // never ends: only the client can
        }
        if (prompt === 'say nothing') return; // no headers, no body
        streamReply(request, response, ['Hola', ', ', 'compañero', '!']);
      },
    });
  });

  afterAll(async () => {
    await ollama.close();
  });

  it('streams the NDJSON message contents in order and sends the model, messages and options', async () => {
    const provider = createOllamaProvider({ url: ollama.url, model: 'llama3.2' });
    const messages = [
      { role: 'system' as const, content: 'You are a coach.' },
      { role: 'user' as const, content: 'Greet me' },
    ];
    const chunks = await collect(provider.generate(messages, { temperature: 0.2, maxTokens: 64 }));
    expect(chunks).toEqual(['Hola', ', ', 'compañero', '!']);
    const request = ollama.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/api/chat');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toEqual({
      model: 'llama3.2',
      messages,
      stream: true,
      options: { temperature: 0.2, num_predict: 64 },
    });
    expect(provider).toMatchObject({ name: 'ollama', model: 'llama3.2' });
  });

  it('uses the model given to one call instead of the default', async () => {
    const provider = createOllamaProvider({ url: `${ollama.url}/`, model: 'llama3.2' });
    await collect(provider.generate([{ role: 'user', content: 'hi' }], { model: 'qwen2.5:0.5b' }));
    expect(ollama.requests.at(-1)!.body.model).toBe('qwen2.5:0.5b');
    expect(ollama.requests.at(-1)!.body.options).toEqual({});
  });

  it('rejects with the status and Ollama error text when the model is not pulled', async () => {
    const provider = createOllamaProvider({ url: ollama.url, model: 'missing-model' });
    const failure = collect(provider.generate([{ role: 'user', content: 'hi' }]));
    await expect(failure).rejects.toThrow(AppError);
    await expect(failure).rejects.toThrow(/HTTP 404.*model "missing-model" not found, try pulling it first/);
  });

  it('rejects when Ollama reports an error in the middle of the stream', async () => {
    const provider = createOllamaProvider({ url: ollama.url, model: 'llama3.2' });
    const chunks: string[] = [];
    const failure = (async () => {
      for await (const chunk of provider.generate([{ role: 'user', content: 'fail midway' }]))
        chunks.push(chunk);
    })();
    await expect(failure).rejects.toThrow(/an error was encountered while running the model/);
    expect(chunks).toEqual(['Par']);
  });

  it('stops the stream and closes the connection when the caller aborts', async () => {
    const provider = createOllamaProvider({ url: ollama.url, model: 'llama3.2' });
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
    const request = ollama.requests.at(-1)!;
    await waitFor(() => request.isClientGone);
  });

  it('gives up with a readable error when Ollama stays silent past the timeout', async () => {
    const provider = createOllamaProvider({ url: ollama.url, model: 'llama3.2', timeoutMs: 200 });
    await expect(collect(provider.generate([{ role: 'user', content: 'say nothing' }]))).rejects.toThrow(
      /Ollama sent nothing for 200 ms/,
    );
  });

  it('ends in-flight streams on close', async () => {
    const provider = createOllamaProvider({ url: ollama.url, model: 'llama3.2' });
    const failure = (async () => {
      for await (const _chunk of provider.generate([{ role: 'user', content: 'hang after one token' }])) {
        await provider.close();
      }
    })();
    await expect(failure).rejects.toThrow(/closed/);
    await expect(collect(provider.generate([{ role: 'user', content: 'hi' }]))).rejects.toThrow(/closed/);
  });

  it('pings GET /api/version, and fails fast when nothing listens', async () => {
    await createOllamaProvider({ url: ollama.url, model: 'llama3.2' }).ping();
    expect(ollama.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/version' });
    const nowhere = createOllamaProvider({
      url: `http://127.0.0.1:${await closedPort()}`,
      model: 'llama3.2',
    });
    await expect(nowhere.ping()).rejects.toThrow(/Ollama failed before answering .*ECONNREFUSED/);
    await expect(collect(nowhere.generate([{ role: 'user', content: 'hi' }]))).rejects.toThrow(AppError);
  });
});
