import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@companero/core/config/load-config';
import { AppError } from '@companero/core/errors/app-error';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentLogger } from '../src/logging/component-logger.types';
import { type ChromaServer, startChromaServer } from '../src/vectors/chroma-server';
import { createChromaVectorStore } from '../src/vectors/chroma-vector-store';
import type { VectorRecord, VectorStore } from '../src/vectors/vector-store.types';
import { createVectorStoreFromConfig } from '../src/vectors/vector-store-from-config';
import { waitFor } from './fake-model-server';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const heartbeat = async (url: string) => (await fetch(`${url}/api/v2/heartbeat`)).ok;

const unit = (...values: number[]) => {
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0));
  return values.map((value) => value / norm);
};

const record = (id: string, embedding: number[], documentId: string, extra = {}): VectorRecord => ({
  id,
  embedding,
  document: `text of ${id}`,
  metadata: { documentId, position: Number(id.replace(/\D/g, '') || 0), ...extra },
});

const model = { model: 'local:m2v-bge-base-vq128', dimension: 3 };

const recordingLogger = () => {
  const lines: { level: string; message: string; details: object }[] = [];
  const logger: ComponentLogger = {
    info: (details, message) => lines.push({ level: 'info', message, details }),
    warn: (details, message) => lines.push({ level: 'warn', message, details }),
    error: (details, message) => lines.push({ level: 'error', message, details }),
  };
  return { logger, lines };
};

describe('Chroma vector store (a real `chroma run` child process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'companero-chroma-'));
  const log = recordingLogger();
  let server: ChromaServer;
  let store: VectorStore;

  beforeAll(async () => {
    server = await startChromaServer({ path: join(dataDir, 'chroma'), logger: log.logger });
    store = createChromaVectorStore({ url: server.url });
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a creator collection once and records the embedding model it was built with', async () => {
    const creatorId = randomUUID();
    expect(await store.ensureCollection(creatorId, model)).toEqual({ ...model, isNew: true });
    expect(
      await store.ensureCollection(creatorId, { model: 'ollama:nomic-embed-text', dimension: 768 }),
    ).toEqual({
      ...model,
      isNew: false,
    });
    const fresh = createChromaVectorStore({ url: server.url });
    expect(await fresh.ensureCollection(creatorId.toUpperCase(), model)).toEqual({ ...model, isNew: false });
  });

  it('upserts, queries nearest first with score = 1 - cosine distance, and filters with where', async () => {
    const creatorId = randomUUID();
    await store.ensureCollection(creatorId, model);
    await store.upsert(creatorId, [
      record('c1', unit(1, 0, 0), 'doc-a', { heading: 'Morning' }),
      record('c2', unit(1, 1, 0), 'doc-a'),
      record('c3', unit(0, 0, 1), 'doc-b', { isDraft: true }),
    ]);
    const hits = await store.query(creatorId, unit(1, 0.1, 0), { k: 3 });
    expect(hits.map((hit) => hit.id)).toEqual(['c1', 'c2', 'c3']);
    expect(hits[0]).toMatchObject({
      document: 'text of c1',
      metadata: { documentId: 'doc-a', position: 1, heading: 'Morning' },
    });
    expect(hits[2]!.metadata).toEqual({ documentId: 'doc-b', position: 3, isDraft: true });
    const expectedCosine = unit(1, 0.1, 0)[0]!;
    expect(hits[0]!.score).toBeCloseTo(expectedCosine, 4);
    for (const hit of hits) expect(hit.score).toBeCloseTo(1 - hit.distance, 10);
    expect(hits[2]!.score).toBeCloseTo(0, 4);

    expect(
      (await store.query(creatorId, unit(1, 0, 0), { k: 5, where: { documentId: 'doc-b' } })).map(
        (hit) => hit.id,
      ),
    ).toEqual(['c3']);
    expect(
      (
        await store.query(creatorId, unit(1, 0, 0), { k: 5, where: { documentId: 'doc-a', position: 2 } })
      ).map((hit) => hit.id),
    ).toEqual(['c2']);

    await store.upsert(creatorId, [{ ...record('c1', unit(0, 0, 1), 'doc-b'), document: 'rewritten' }]);
    const [top] = await store.query(creatorId, unit(0, 0, 1), {
      k: 1,
      where: { documentId: 'doc-b', position: 1 },
    });
    expect(top).toMatchObject({ id: 'c1', document: 'rewritten' });
    expect(await store.count(creatorId)).toBe(3);
  });

  it('deletes by where and by ids, and counts what is left', async () => {
    const creatorId = randomUUID();
    await store.ensureCollection(creatorId, model);
    await store.upsert(
      creatorId,
      Array.from({ length: 12 }, (_, index) =>
        record(`c${index}`, unit(1, index, 0.5), index < 8 ? 'doc-old' : 'doc-keep'),
      ),
    );
    expect(await store.count(creatorId)).toBe(12);
    await store.delete(creatorId, { where: { documentId: 'doc-old' } });
    expect(await store.count(creatorId)).toBe(4);
    await store.delete(creatorId, { ids: ['c8', 'c9'] });
    expect(await store.count(creatorId)).toBe(2);
    const left = await store.query(creatorId, unit(1, 1, 0.5), { k: 10 });
    expect(left.map((hit) => hit.id).sort()).toEqual(['c10', 'c11']);
    await expect(store.delete(creatorId, { where: {} })).rejects.toThrow(/would delete everything/);
  });

  it("keeps two creators' collections apart: queries, counts and deletes never cross", async () => {
    const creatorA = randomUUID();
    const creatorB = randomUUID();
    await store.ensureCollection(creatorA, model);
    await store.ensureCollection(creatorB, model);
    await store.upsert(creatorA, [
      record('shared-id', unit(1, 0, 0), 'doc-1'),
      record('a2', unit(1, 1, 0), 'doc-1'),
    ]);
    await store.upsert(creatorB, [record('shared-id', unit(1, 0, 0), 'doc-1', { owner: 'b' })]);

    const hitsA = await store.query(creatorA, unit(1, 0, 0), { k: 10 });
    const hitsB = await store.query(creatorB, unit(1, 0, 0), { k: 10 });
    expect(hitsA.map((hit) => hit.id).sort()).toEqual(['a2', 'shared-id']);
    expect(hitsA.every((hit) => hit.metadata.owner === undefined)).toBe(true);
    expect(hitsB).toHaveLength(1);
    expect(hitsB[0]!.metadata.owner).toBe('b');

    await store.delete(creatorA, { where: { documentId: 'doc-1' } });
    expect(await store.count(creatorA)).toBe(0);
    expect(await store.count(creatorB)).toBe(1);
    await store.dropCollection(creatorB);
    expect(await store.count(creatorB)).toBe(0);
    expect(await store.ensureCollection(creatorA, model)).toMatchObject({ isNew: false });
  });

  it('reads a creator without a collection as empty and refuses to write before ensureCollection', async () => {
    const creatorId = randomUUID();
    expect(await store.query(creatorId, unit(1, 0, 0), { k: 3 })).toEqual([]);
    expect(await store.count(creatorId)).toBe(0);
    await store.delete(creatorId, { ids: ['x'] });
    await store.dropCollection(creatorId);
    await expect(store.upsert(creatorId, [record('c1', unit(1, 0, 0), 'd')])).rejects.toThrow(
      /ensureCollection first/,
    );
    await expect(store.count('not-a-uuid')).rejects.toThrow(/must be a UUID/);
  });

  it('drops a collection; a later ensureCollection starts a new one, even through another client', async () => {
    const creatorId = randomUUID();
    const other = createChromaVectorStore({ url: server.url });
    await store.ensureCollection(creatorId, model);
    await store.upsert(creatorId, [record('c1', unit(1, 0, 0), 'd')]);
    expect(await other.count(creatorId)).toBe(1);
    await store.dropCollection(creatorId);
    expect(
      await store.ensureCollection(creatorId, { model: 'ollama:nomic-embed-text', dimension: 3 }),
    ).toEqual({
      model: 'ollama:nomic-embed-text',
      dimension: 3,
      isNew: true,
    });
    // `other` still holds the old collection's handle: it finds the new collection instead of failing.
    expect(await other.count(creatorId)).toBe(0);
    await other.upsert(creatorId, [record('c2', unit(0, 1, 0), 'd')]);
    expect(await store.count(creatorId)).toBe(1);
  });

  it('restarts Chroma after it dies unexpectedly, with the data kept', async () => {
    const creatorId = randomUUID();
    await store.ensureCollection(creatorId, model);
    await store.upsert(creatorId, [record('c1', unit(1, 0, 0), 'd')]);
    const firstPid = server.pid!;
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => server.restarts === 1 && server.pid !== undefined && server.pid !== firstPid, 10_000);
    await server.whenReady();
    expect(isAlive(firstPid)).toBe(false);
    expect(await store.count(creatorId)).toBe(1);
    await store.ping();
    expect(log.lines.some((line) => line.level === 'warn' && /restarting/.test(line.message))).toBe(true);
  });

  it('gives up restarting after maxRestarts unexpected exits and says so', async () => {
    const bounded = recordingLogger();
    const fragile = await startChromaServer({
      path: join(dataDir, 'fragile'),
      maxRestarts: 1,
      logger: bounded.logger,
    });
    try {
      const firstPid = fragile.pid!;
      process.kill(firstPid, 'SIGKILL');
      await waitFor(
        () => fragile.restarts === 1 && fragile.pid !== undefined && fragile.pid !== firstPid,
        10_000,
      );
      await fragile.whenReady();
      process.kill(fragile.pid!, 'SIGKILL');
      await waitFor(() => bounded.lines.some((line) => line.level === 'error'), 10_000);
      expect(fragile.restarts).toBe(1);
      expect(fragile.pid).toBeUndefined();
      await expect(fragile.whenReady()).rejects.toThrow(/is down \(1 restarts used\)/);
      expect(bounded.lines.find((line) => line.level === 'error')!.message).toMatch(
        /was killed by SIGKILL; not restarting/,
      );
    } finally {
      await fragile.stop();
    }
  });

  it('fails to start with a readable error that quotes Chroma when the port is taken', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const failure = startChromaServer({ path: join(dataDir, 'blocked'), port, startTimeoutMs: 20_000 });
      await expect(failure).rejects.toThrow(
        /Chroma could not listen at .*Its last output:\n.*is not available/s,
      );
    } finally {
      blocker.close();
    }
  });

  it('stops the child process on close: no orphan is left and the port stops answering', async () => {
    const own = await startChromaServer({ path: join(dataDir, 'own') });
    const ownStore = createChromaVectorStore({ url: own.url, onClose: () => own.stop() });
    await ownStore.ping();
    const pid = own.pid!;
    expect(isAlive(pid)).toBe(true);
    await ownStore.close();
    expect(isAlive(pid)).toBe(false);
    expect(own.pid).toBeUndefined();
    await expect(heartbeat(own.url)).rejects.toThrow();
    await expect(ownStore.ping()).rejects.toThrow(AppError);
    await expect(ownStore.ping()).rejects.toThrow(/Chroma at .* is unreachable/);
  });

  it('ends the child even when its parent is killed without a chance to stop it', async () => {
    const serverModule = fileURLToPath(new URL('../src/vectors/chroma-server.ts', import.meta.url));
    const script = [
      `const { startChromaServer } = await import(${JSON.stringify(serverModule)});`,
      `const server = await startChromaServer({ path: ${JSON.stringify(join(dataDir, 'orphan'))} });`,
      "console.log('pid=' + server.pid);",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor(() => /pid=\d+/.test(output), 30_000);
    const childPid = Number(/pid=(\d+)/.exec(output)![1]);
    expect(isAlive(childPid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor(() => !isAlive(childPid), 10_000);
  });

  it('is built from config: the embedded server in DATA_DIR/chroma, or CHROMA_URL', async () => {
    const embedded = await createVectorStoreFromConfig(
      loadConfig({ DATA_DIR: join(dataDir, 'from-config') }),
    );
    const creatorId = randomUUID();
    await embedded.ensureCollection(creatorId, model);
    await embedded.upsert(creatorId, [record('c1', unit(1, 0, 0), 'd')]);
    expect(await embedded.count(creatorId)).toBe(1);
    await embedded.close();
    await expect(embedded.ping()).rejects.toThrow(/unreachable/);

    // The data outlives the process: a new embedded server on the same DATA_DIR sees it.
    const again = await createVectorStoreFromConfig(loadConfig({ DATA_DIR: join(dataDir, 'from-config') }));
    expect(await again.count(creatorId)).toBe(1);
    await again.close();

    const external = await createVectorStoreFromConfig(
      loadConfig({ CHROMA_URL: server.url, DATA_DIR: dataDir }),
    );
    await external.ping();
    await external.close();
    expect(await heartbeat(server.url)).toBe(true);
  });
});
