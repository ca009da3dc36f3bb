import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlamaCppProvider } from '../src/llm/llama-cpp-provider';
import type { LlmProvider } from '../src/llm/llm-provider.types';
import { collect } from './fake-model-server';

// A 260K-parameter TinyStories model without a chat template (see its PROVENANCE.md): it exercises the plain
// completion path, fast enough on one thread.
const modelPath = fileURLToPath(new URL('./fixtures/models/stories260K/stories260K.gguf', import.meta.url));
const story = [{ role: 'user' as const, content: 'Tell me a story about a little girl.' }];

describe('llama.cpp provider (node-llama-cpp, stories260K)', () => {
  let provider: LlmProvider;

  beforeAll(async () => {
    provider = await createLlamaCppProvider({ modelPath, threads: 1, contextSize: 512 });
  });

  afterAll(async () => {
    await provider?.close();
  });

  it('generates and streams text from an untemplated model', async () => {
    expect(provider).toMatchObject({ name: 'llama-cpp', model: 'stories260K.gguf' });
    const chunks = await collect(provider.generate(story, { maxTokens: 24, temperature: 0 }));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toMatch(/[a-z]{2,}/i);
    await provider.ping();
  });

  it('starts every generation from a clean context: the same prompt at temperature 0 gives the same text', async () => {
    const first = (await collect(provider.generate(story, { maxTokens: 16, temperature: 0 }))).join('');
    await collect(
      provider.generate([{ role: 'user', content: 'Once upon a time there was a dog.' }], { maxTokens: 16 }),
    );
    const second = (await collect(provider.generate(story, { maxTokens: 16, temperature: 0 }))).join('');
    expect(second).toBe(first);
  });

  it('stops when the caller aborts, and generates again afterwards', async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    const aborted = (async () => {
      for await (const chunk of provider.generate(story, { maxTokens: 200, signal: controller.signal })) {
        chunks.push(chunk);
        controller.abort();
      }
    })();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(chunks).toHaveLength(1);
    expect((await collect(provider.generate(story, { maxTokens: 8 }))).length).toBeGreaterThan(0);
  });

  it('stops when the consumer leaves the loop early', async () => {
    for await (const _chunk of provider.generate(story, { maxTokens: 200 })) break;
    expect((await collect(provider.generate(story, { maxTokens: 8 }))).length).toBeGreaterThan(0);
  });

  it('runs concurrent requests one after the other', async () => {
    const [a, b] = await Promise.all([
      collect(provider.generate(story, { maxTokens: 12, temperature: 0 })),
      collect(provider.generate(story, { maxTokens: 12, temperature: 0 })),
    ]);
    expect(a.join('')).toBe(b.join(''));
    expect(a.join('')).not.toBe('');
  });

  it('prompts through a chat wrapper when asked to (the path models with a chat template take)', async () => {
    const templated = await createLlamaCppProvider({
      modelPath,
      threads: 1,
      contextSize: 512,
      promptFormat: 'chat-template',
    });
    try {
      const messages = [
        { role: 'system' as const, content: 'You tell short stories.' },
        { role: 'user' as const, content: 'A story about a cat.' },
        { role: 'assistant' as const, content: 'Once upon a time, a cat' },
        { role: 'user' as const, content: 'Go on.' },
      ];
      const chunks = await collect(templated.generate(messages, { maxTokens: 16, temperature: 0 }));
      expect(chunks.join('')).toMatch(/[a-z]{2,}/i);
      const controller = new AbortController();
      const aborted = (async () => {
        for await (const _chunk of templated.generate(messages, {
          maxTokens: 200,
          signal: controller.signal,
        })) {
          controller.abort();
        }
      })();
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await templated.close();
    }
  });

  it('refuses a missing model file with its path', async () => {
    await expect(
      createLlamaCppProvider({ modelPath: '/nowhere/model.gguf', threads: 1, contextSize: 512 }),
    ).rejects.toThrow(/no file at \/nowhere\/model\.gguf/);
  });

  it('releases the model on close; it cannot be used afterwards', async () => {
    const closing = await createLlamaCppProvider({ modelPath, threads: 1, contextSize: 256 });
    await closing.close();
    await closing.close();
    await expect(closing.ping()).rejects.toThrow(/closed/);
    await expect(collect(closing.generate(story))).rejects.toThrow(/closed/);
  });
});
