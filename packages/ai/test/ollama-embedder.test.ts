import { loadConfig } from '@companero/core/config/load-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedderFromConfig } from '../src/embeddings/embedder-from-config';
import { createOllamaEmbedder } from '../src/embeddings/ollama-embedder';
import { type FakeModelServer, startFakeModelServer } from './fake-model-server';

/** A deterministic, deliberately unnormalised 4-dimension "embedding" of a text. */
const fakeVector = (text: string) => [text.length, text.charCodeAt(0) || 1, 3, 4];

const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

describe('Ollama embedder', () => {
  let ollama: FakeModelServer;

  beforeAll(async () => {
    ollama = await startFakeModelServer({
      'GET /api/version': (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.12.0"}');
      },
      // https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
      'POST /api/embed': (request, response) => {
        const { model, input } = request.body as { model: string; input: string[] };
        if (model === 'missing-model') {
          response
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: `model "${model}" not found, try pulling it first` }));
          return;
        }
        const embeddings = model === 'short-model' ? input.slice(1).map(fakeVector) : input.map(fakeVector);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ model, embeddings, total_duration: 1000, prompt_eval_count: input.length }),
        );
      },
    });
  });

  afterAll(async () => {
    await ollama.close();
  });

  it('discovers the dimension, batches the inputs and returns unit vectors in input order', async () => {
    const embedder = await createOllamaEmbedder({ url: ollama.url, model: 'nomic-embed-text', batchSize: 2 });
    expect(embedder.model).toBe('ollama:nomic-embed-text');
    expect(embedder.dimension).toBe(4);
    const before = ollama.requests.length;
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    const vectors = await embedder.embed(texts);
    const sent = ollama.requests.slice(before);
    expect(sent.map((request) => request.path)).toEqual(['/api/embed', '/api/embed', '/api/embed']);
    expect(sent.map((request) => request.body)).toEqual([
      { model: 'nomic-embed-text', input: ['a', 'bb'] },
      { model: 'nomic-embed-text', input: ['ccc', 'dddd'] },
      { model: 'nomic-embed-text', input: ['eeeee'] },
    ]);
    expect(vectors).toHaveLength(5);
    vectors.forEach((vector, index) => {
      const raw = fakeVector(texts[index]!);
      expect(norm(vector)).toBeCloseTo(1, 10);
      expect(vector[0]! / vector[2]!).toBeCloseTo(raw[0]! / raw[2]!, 10);
    });
    expect(await embedder.embed([])).toEqual([]);
  });

  it('fails with the server message when the model is not pulled', async () => {
    await expect(createOllamaEmbedder({ url: ollama.url, model: 'missing-model' })).rejects.toThrow(
      /Ollama answered HTTP 404 .*model "missing-model" not found, try pulling it first/,
    );
  });

  it('rejects an answer with fewer embeddings than inputs', async () => {
    await expect(createOllamaEmbedder({ url: ollama.url, model: 'short-model' })).rejects.toThrow(
      /returned 0 embeddings for 1 inputs/,
    );
  });

  it('is chosen by EMBEDDING_PROVIDER=ollama, which needs OLLAMA_URL', async () => {
    const embedder = await createEmbedderFromConfig(
      loadConfig({
        EMBEDDING_PROVIDER: 'ollama',
        OLLAMA_URL: ollama.url,
        OLLAMA_EMBEDDING_MODEL: 'mxbai-embed-large',
      }),
    );
    expect(embedder).toMatchObject({ model: 'ollama:mxbai-embed-large', dimension: 4 });
    expect(ollama.requests.at(-1)!.body.model).toBe('mxbai-embed-large');
    await expect(createEmbedderFromConfig(loadConfig({ EMBEDDING_PROVIDER: 'ollama' }))).rejects.toThrow(
      /needs OLLAMA_URL/,
    );
  });

  it('pings GET /api/version', async () => {
    const embedder = await createOllamaEmbedder({ url: ollama.url, model: 'nomic-embed-text' });
    await embedder.ping();
    expect(ollama.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/version' });
  });
});
