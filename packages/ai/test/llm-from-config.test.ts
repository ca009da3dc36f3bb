import { fileURLToPath } from 'node:url';
import { loadConfig } from '@companero/core/config/load-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmFromConfig } from '../src/llm/llm-from-config';
import type { ComponentLogger } from '../src/logging/component-logger.types';
import { closedPort, collect, type FakeModelServer, startFakeModelServer } from './fake-model-server';

const modelPath = fileURLToPath(new URL('./fixtures/models/stories260K/stories260K.gguf', import.meta.url));

const recordingLogger = () => {
  const lines: { level: string; message: string }[] = [];
  const logger: ComponentLogger = {
    info: (_details, message) => lines.push({ level: 'info', message }),
    warn: (_details, message) => lines.push({ level: 'warn', message }),
    error: (_details, message) => lines.push({ level: 'error', message }),
  };
  return { logger, lines };
};

describe('choosing the language model from config', () => {
  let ollama: FakeModelServer;
  let openAi: FakeModelServer;
  let silentUrl: string;

  beforeAll(async () => {
    ollama = await startFakeModelServer({
      'GET /api/version': (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.12.0"}');
      },
      'POST /api/chat': (request, response) => {
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.write(
          `${JSON.stringify({ model: request.body.model, message: { role: 'assistant', content: 'hi' }, done: false })}\n`,
        );
        response.end(
          `${JSON.stringify({ model: request.body.model, message: { role: 'assistant', content: '' }, done: true })}\n`,
        );
      },
    });
    openAi = await startFakeModelServer({});
    silentUrl = `http://127.0.0.1:${await closedPort()}`;
  });

  afterAll(async () => {
    await ollama.close();
    await openAi.close();
  });

  it('uses Ollama when OLLAMA_URL answers, with OLLAMA_MODEL', async () => {
    const provider = await createLlmFromConfig(
      loadConfig({
        OLLAMA_URL: ollama.url,
        OLLAMA_MODEL: 'qwen2.5:0.5b',
        OPENAI_BASE_URL: `${openAi.url}/v1`,
      }),
    );
    expect(provider).toMatchObject({ name: 'ollama', model: 'qwen2.5:0.5b' });
    expect(await collect(provider!.generate([{ role: 'user', content: 'hello' }]))).toEqual(['hi']);
    expect(ollama.requests.at(-1)!.body.model).toBe('qwen2.5:0.5b');
    await provider!.close();
  });

  it('falls through to the OpenAI-compatible server when Ollama does not answer, and says why', async () => {
    const { logger, lines } = recordingLogger();
    const provider = await createLlmFromConfig(
      loadConfig({
        OLLAMA_URL: silentUrl,
        OPENAI_BASE_URL: `${openAi.url}/v1`,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_MODEL: 'gpt-4o-mini',
      }),
      { logger },
    );
    expect(provider).toMatchObject({ name: 'openai-compatible', model: 'gpt-4o-mini' });
    expect(lines.find((line) => line.level === 'warn')?.message).toMatch(/Ollama does not answer/);
    await provider!.close();
  });

  it('falls through to llama.cpp with LLM_MODEL_PATH', async () => {
    const provider = await createLlmFromConfig(
      loadConfig({
        OLLAMA_URL: silentUrl,
        LLM_MODEL_PATH: modelPath,
        LLM_THREADS: '1',
        LLM_CONTEXT_SIZE: '512',
      }),
    );
    expect(provider).toMatchObject({ name: 'llama-cpp', model: 'stories260K.gguf' });
    expect(
      (await collect(provider!.generate([{ role: 'user', content: 'A story' }], { maxTokens: 4 }))).length,
    ).toBeGreaterThan(0);
    await provider!.close();
  });

  it('returns null when no language model is configured or reachable', async () => {
    expect(await createLlmFromConfig(loadConfig({}))).toBeNull();
    expect(await createLlmFromConfig(loadConfig({ OLLAMA_URL: silentUrl }))).toBeNull();
  });
});
