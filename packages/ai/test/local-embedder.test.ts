import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@companero/core/config/load-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../src/embeddings/embedder.types';
import { createEmbedderFromConfig } from '../src/embeddings/embedder-from-config';
import { createLocalEmbedder, defaultModelsDir } from '../src/embeddings/local-embedder';
import { type FakeModelServer, startFakeModelServer } from './fake-model-server';

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);
const norm = (vector: number[]) => Math.sqrt(cosine(vector, vector));

const shippedModel = 'm2v-bge-base-vq128';

describe('local embedder (transformers.js, the model shipped in models/)', () => {
  let embedder: Embedder;
  const scratch = mkdtempSync(join(tmpdir(), 'companero-embedder-'));

  beforeAll(async () => {
    embedder = await createLocalEmbedder({
      model: shippedModel,
      modelsDir: defaultModelsDir,
      allowRemote: false,
    });
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('reads its 64 dimensions from the model and names the model', () => {
    expect(embedder.dimension).toBe(64);
    expect(embedder.model).toBe('local:m2v-bge-base-vq128');
  });

  it('embeds related sentences closer than unrelated ones, as unit vectors', async () => {
    const [running, jogging, invoice, stressed, anxious, refund] = await embedder.embed([
      'How can I build a habit of running every morning?',
      'Tips for starting to jog daily before work',
      'The invoice is due at the end of the quarter',
      'I feel stressed and cannot sleep at night',
      'How do I cope with anxiety and insomnia?',
      'Our refund policy covers digital products',
    ]);
    for (const vector of [running, jogging, invoice, stressed, anxious, refund]) {
      expect(vector).toHaveLength(64);
      expect(norm(vector!)).toBeCloseTo(1, 5);
    }
    expect(cosine(running!, jogging!)).toBeGreaterThan(cosine(running!, invoice!) + 0.15);
    expect(cosine(stressed!, anxious!)).toBeGreaterThan(cosine(stressed!, refund!) + 0.15);
    expect(cosine(stressed!, anxious!)).toBeGreaterThan(cosine(stressed!, running!));
  });

  it('keeps the input order across batches', async () => {
    const small = await createLocalEmbedder({
      model: shippedModel,
      modelsDir: defaultModelsDir,
      allowRemote: false,
      batchSize: 3,
    });
    const texts = Array.from(
      { length: 10 },
      (_, index) => `Session ${index}: ${'reflect on your goals '.repeat(index + 1)}`,
    );
    const batched = await small.embed(texts);
    const oneByOne = await Promise.all(texts.map(async (text) => (await embedder.embed([text]))[0]!));
    expect(batched).toHaveLength(10);
    batched.forEach((vector, index) => {
      vector.forEach((value, dimension) => {
        expect(value).toBeCloseTo(oneByOne[index]![dimension]!, 5);
      });
    });
    expect(await small.embed([])).toEqual([]);
  });

  it('refuses a blank text instead of returning NaN', async () => {
    await expect(embedder.embed(['fine', '   '])).rejects.toThrow(/text 1: it has no tokens/);
  });

  it('explains what to do when the model is not in the models folder and downloads are off', async () => {
    await expect(
      createLocalEmbedder({ model: 'no-such-model', modelsDir: scratch, allowRemote: false }),
    ).rejects.toThrow(/"no-such-model" is not in .*EMBEDDING_MODELS_DIR.*EMBEDDING_ALLOW_REMOTE=true/);
  });

  it('is built from config: the shipped model by default, EMBEDDING_MODELS_DIR and EMBEDDING_MODEL otherwise', async () => {
    const fromDefaults = await createEmbedderFromConfig(loadConfig({ DATA_DIR: scratch }));
    expect(fromDefaults).toMatchObject({ model: 'local:m2v-bge-base-vq128', dimension: 64 });
    await fromDefaults.ping();

    const modelsDir = join(scratch, 'models');
    cpSync(join(defaultModelsDir, shippedModel), join(modelsDir, 'coach-embedder'), { recursive: true });
    const fromFolder = await createEmbedderFromConfig(
      loadConfig({ DATA_DIR: scratch, EMBEDDING_MODELS_DIR: modelsDir, EMBEDDING_MODEL: 'coach-embedder' }),
    );
    expect(fromFolder).toMatchObject({ model: 'local:coach-embedder', dimension: 64 });
    const [a] = await fromFolder.embed(['same text']);
    const [b] = await fromDefaults.embed(['same text']);
    expect(cosine(a!, b!)).toBeCloseTo(1, 5);
  });

  describe('with EMBEDDING_ALLOW_REMOTE', () => {
    let hub: FakeModelServer;

    beforeAll(async () => {
      // Serves the shipped model in the Hugging Face hub's layout: /{org}/{name}/resolve/{revision}/{file}.
      const serveFile =
        (file: string) => (_request: unknown, response: import('node:http').ServerResponse) => {
          const bytes = readFileSync(join(defaultModelsDir, shippedModel, file));
          response.writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': bytes.length,
          });
          response.end(bytes);
        };
      hub = await startFakeModelServer(
        Object.fromEntries(
          ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'].map((file) => [
            `GET /companero/m2v-test/resolve/main/${file}`,
            serveFile(file),
          ]),
        ),
      );
    });

    afterAll(async () => {
      await hub?.close();
    });

    it('downloads a model that is not local from the hub into the cache folder, then reuses the cache', async () => {
      const cacheDir = join(scratch, 'hub-cache');
      const options = {
        model: 'companero/m2v-test',
        modelsDir: join(scratch, 'empty'),
        allowRemote: true,
        cacheDir,
        remoteHost: `${hub.url}/`,
      };
      const downloaded = await createLocalEmbedder(options);
      expect(downloaded).toMatchObject({ model: 'local:companero/m2v-test', dimension: 64 });
      expect(hub.requests.map((request) => request.path)).toContain(
        '/companero/m2v-test/resolve/main/onnx/model.onnx',
      );
      expect(readFileSync(join(cacheDir, 'companero/m2v-test/onnx/model.onnx')).length).toBeGreaterThan(0);

      const requestsBefore = hub.requests.length;
      const cached = await createLocalEmbedder(options);
      expect(cached.dimension).toBe(64);
      expect(hub.requests.length).toBe(requestsBefore);
    });
  });
});
