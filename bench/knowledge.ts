/**
 * `node --import tsx bench/knowledge.ts`: the knowledge base and the answer path of the all-in-one server
 * (auth + creator hub + AI engine, workers on, embedded Chroma child process, the shipped embedding model),
 * started in this process over a private environment. Writes bench/results/knowledge.json and prints a summary.
 *
 * Scenarios, in order:
 *   a. ingestion: a 100-page PDF (generated with pdfkit into a temporary folder) uploaded through
 *      POST /api/hub/knowledge/documents and indexed by the worker, timed from the upload to the `ready`
 *      server-sent event; the embedder and the vector upserts are wrapped to measure their share.
 *   b. retrieval at 100,000 chunks in one creator's collection: rows inserted into knowledge_chunks with the
 *      ingestion's own insert, vectors upserted into the creator's Chroma collection (the real embedder by
 *      default; BENCH_RANDOM_VECTORS=1 uses random unit vectors of the model's dimension). The hybrid
 *      retriever's retrieve() and a raw Chroma query (precomputed question vector) are measured alternately.
 *   c. time to first token of POST /api/ai/ask (SSE) against a local fake OpenAI-compatible server that
 *      answers after a fixed delay; the provider's own time to first token (measured inside the fake) is
 *      subtracted from the client's.
 *
 * Backend: PostgreSQL + Redis by default (DATABASE_URL, REDIS_URL; defaults postgres://postgres@127.0.0.1:5432/
 * postgres and redis://127.0.0.1:6379; a fresh database and role, dropped afterwards), BENCH_BACKEND=embedded
 * for PGlite and in-process stores. Sizes: BENCH_CHUNKS, BENCH_QUERIES, BENCH_PDF_PAGES, BENCH_INGEST_RUNS,
 * BENCH_TTFT_REQUESTS, BENCH_PROVIDER_DELAY_MS.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { type AiRuntime, createAiComponents } from '@companero/ai/ai-components';
import { silentLogger } from '@companero/ai/logging/component-logger.types';
import { createHybridRetriever } from '@companero/ai/retrieval/hybrid-retriever';
import { knowledgeChunksRepository } from '@companero/ai/retrieval/knowledge-chunks.repository';
import { withTenant } from '@companero/db/tenant';
import { buildServerApp, type ServiceName, startWorkers } from '@companero/server/server-app';
import type { Backend } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import { startTestServer, type TestServer } from '@companero/testing/test-server';
import PDFDocument from 'pdfkit';
import { guides } from '../services/ai-engine/test/fixtures/knowledge-content';
import {
  openSse,
  readFixture,
  registerCreator,
  uploadDocument,
  waitForDocument,
} from '../services/ai-engine/test/knowledge-test-server';

const numberFromEnv = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
};

const isEmbedded = process.env.BENCH_BACKEND === 'embedded';
if (!isEmbedded) {
  process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';
}

export const settings = {
  backend: isEmbedded ? 'embedded (PGlite, in-process stores)' : 'PostgreSQL + Redis',
  pdfPages: numberFromEnv('BENCH_PDF_PAGES', 100),
  ingestRuns: numberFromEnv('BENCH_INGEST_RUNS', 3),
  chunks: numberFromEnv('BENCH_CHUNKS', 100_000),
  chunksPerDocument: 1_000,
  vectors: process.env.BENCH_RANDOM_VECTORS === '1' ? 'random unit vectors' : 'real embedder',
  queries: numberFromEnv('BENCH_QUERIES', 300),
  warmupQueries: 20,
  k: 5,
  ttftRequests: numberFromEnv('BENCH_TTFT_REQUESTS', 30),
  warmupTtftRequests: 3,
  providerDelayMs: numberFromEnv('BENCH_PROVIDER_DELAY_MS', 300),
};

export const goals = {
  ingestion100PagesMs: 15_000,
  retrievalP95Ms: 30,
  retrievalRatio: 2,
  ttftOverheadMs: 150,
};

const repoRoot = join(import.meta.dirname, '..');
const services: ServiceName[] = ['auth', 'creator-hub', 'ai-engine'];

// ---- figures ------------------------------------------------------------------------------------------------

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
};
const summarize = (values: number[]) => ({
  p50: round(percentile(values, 50)),
  p95: round(percentile(values, 95)),
  p99: round(percentile(values, 99)),
  mean: round(values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length)),
  max: round(Math.max(...values)),
  count: values.length,
});
const median = (values: number[]) => percentile(values, 50);
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

// A small deterministic PRNG, so two runs load the same corpus.
const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

// ---- the text the benchmark uses -----------------------------------------------------------------------------

const paragraphs = Object.values(guides).flatMap((guide) =>
  guide.sections.flatMap((section) => section.paragraphs.map((text) => ({ heading: section.heading, text }))),
);
const sentences = paragraphs.flatMap(({ text }) => text.match(/[^.!?]+[.!?]/g)?.map((s) => s.trim()) ?? []);

/** Words of a long-tailed vocabulary: the guides' own words plus pseudo-words, drawn with a Zipf law. */
const createWordSource = (random: () => number) => {
  const guideWords = [
    ...new Set(
      sentences
        .join(' ')
        .toLowerCase()
        .match(/[a-z]{3,}/g) ?? [],
    ),
  ];
  // Shuffled: in their order of appearance the first guide's words would all be the most frequent.
  for (let index = guideWords.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [guideWords[index], guideWords[other]] = [guideWords[other]!, guideWords[index]!];
  }
  const syllables = [
    'ka',
    'lo',
    'mi',
    'ne',
    'ru',
    'ta',
    'vo',
    'si',
    'de',
    'po',
    'gra',
    'fen',
    'tul',
    'bri',
    'mos',
  ];
  const pseudo = Array.from({ length: 6_000 }, (_, index) => {
    let word = '';
    let value = index + 7;
    for (let part = 0; part < 3; part += 1) {
      word += syllables[value % syllables.length];
      value = Math.floor(value / syllables.length) + part * 3;
    }
    return `${word}${index % 10}`.replace(/\d/g, (digit) => 'aeiouyrstn'[Number(digit)]!);
  });
  // The guides' words spread along the ranks (every tenth one), so a question's words are common in the
  // library without every chunk holding them all.
  const vocabulary = pseudo.flatMap((word, index) =>
    index % 9 === 8 && guideWords[Math.floor(index / 9)]
      ? [word, guideWords[Math.floor(index / 9)]!]
      : [word],
  );
  const weights = vocabulary.map((_, rank) => 1 / (rank + 1));
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of weights) {
    total += weight;
    cumulative.push(total);
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return vocabulary[low]!;
  };
};

const writeHandbookPdf = (file: string, pages: number) =>
  new Promise<void>((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: 'Coaching Handbook' } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('error', reject);
    doc.on('end', () => {
      writeFileSync(file, Buffer.concat(chunks));
      resolve();
    });
    for (let page = 0; page < pages; page += 1) {
      if (page > 0) doc.addPage();
      if (page === 0) doc.font('Helvetica-Bold').fontSize(22).text('Coaching Handbook').moveDown(0.5);
      const topic = paragraphs[page % paragraphs.length]!;
      doc
        .font('Helvetica-Bold')
        .fontSize(15)
        .text(`Lesson ${page + 1}: ${topic.heading}`)
        .moveDown(0.3);
      // About 400 words: a full page of body text at 11 pt, as a real handbook would have.
      for (let index = 0; index < 8; index += 1) {
        const first = paragraphs[(page * 5 + index) % paragraphs.length]!.text;
        const second = paragraphs[(page * 7 + index * 3 + 1) % paragraphs.length]!.text;
        doc
          .font('Helvetica')
          .fontSize(11)
          .text(`${index + 1}. ${first} ${second}`)
          .moveDown(0.5);
      }
    }
    doc.end();
  });

// ---- the fake OpenAI-compatible provider -------------------------------------------------------------------

type ProviderTiming = { requestAt: number; firstTokenAt: number };

/**
 * A local server speaking OpenAI's streaming chat completions (https://platform.openai.com/docs/api-reference/
 * chat-streaming): after `delayMs` it sends a few chunks 5 ms apart, then `data: [DONE]`. It records, with this
 * process's clock, when each request arrived and when its first token left.
 */
const startFakeProvider = async (delayMs: number) => {
  const timings: ProviderTiming[] = [];
  const words = ['Run ', 'three ', 'times ', 'a ', 'week ', '[1].'];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const requestAt = performance.now();
    for await (const _chunk of request) {
      // the body is not needed: drain it
    }
    if (request.method === 'GET' && request.url?.endsWith('/models')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] }));
      return;
    }
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404).end();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`;
    response.write(chunk(words[0]!));
    timings.push({ requestAt, firstTokenAt: performance.now() });
    for (const word of words.slice(1)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      response.write(chunk(word));
    }
    response.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    timings,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

// ---- the server ----------------------------------------------------------------------------------------------

type Meter = { calls: number; ms: number; items: number };
const newMeter = (): Meter => ({ calls: 0, ms: 0, items: 0 });

/** The AI components with the embedder and the vector upserts timed (the same objects, wrapped). */
const measured = (ai: AiRuntime, meters: { embed: Meter; upsert: Meter }): AiRuntime => ({
  ...ai,
  embedder: {
    ...ai.embedder,
    async embed(texts) {
      const startedAt = performance.now();
      try {
        return await ai.embedder.embed(texts);
      } finally {
        meters.embed.calls += 1;
        meters.embed.items += texts.length;
        meters.embed.ms += performance.now() - startedAt;
      }
    },
  },
  vectors: {
    ...ai.vectors,
    async upsert(creatorId, records) {
      const startedAt = performance.now();
      try {
        return await ai.vectors.upsert(creatorId, records);
      } finally {
        meters.upsert.calls += 1;
        meters.upsert.items += records.length;
        meters.upsert.ms += performance.now() - startedAt;
      }
    },
  },
});

// ---- a. ingestion ----------------------------------------------------------------------------------------------

const benchIngestion = async (input: {
  server: TestServer;
  http: HttpClient;
  token: string;
  meters: { embed: Meter; upsert: Meter };
}) => {
  const directory = mkdtempSync(join(os.tmpdir(), 'companero-bench-pdf-'));
  try {
    const file = join(directory, 'coaching-handbook.pdf');
    await writeHandbookPdf(file, settings.pdfPages);
    const bytes = readFileSync(file);
    log(`ingestion: ${settings.pdfPages}-page PDF, ${(bytes.length / 1024).toFixed(0)} KiB`);
    const runs = [];
    for (let run = 0; run < settings.ingestRuns; run += 1) {
      Object.assign(input.meters.embed, newMeter());
      Object.assign(input.meters.upsert, newMeter());
      const events = await openSse(`${input.server.baseUrl}/api/hub/knowledge/events`, {
        token: input.token,
      });
      try {
        const startedAt = performance.now();
        const upload = await uploadDocument(input.server.baseUrl, input.token, {
          name: 'coaching-handbook.pdf',
          bytes,
        });
        if (upload.status !== 202)
          throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
        const uploadedAt = performance.now();
        const id = upload.body.id as string;
        const received = await events.until(
          (event) =>
            event.event === 'document' &&
            JSON.parse(event.data).documentId === id &&
            /ready|failed/.test(event.data),
          120_000,
        );
        const mine = received
          .filter((event) => event.event === 'document' && JSON.parse(event.data).documentId === id)
          .map((event) => ({
            ...(JSON.parse(event.data) as { status: string; progress: number }),
            at: event.receivedAt,
          }));
        const readyAt = mine.at(-1)!.at;
        const document = await waitForDocument(input.http, input.token, id);
        if (document.status !== 'ready')
          throw new Error(`the PDF ended ${document.status}: ${document.error}`);
        if (document.pageCount !== settings.pdfPages) {
          throw new Error(
            `the PDF has ${document.pageCount} pages, not ${settings.pdfPages}: its text overflowed`,
          );
        }
        const firstEvent = mine[0]!.at;
        const parsedAt = mine.find((event) => event.progress >= 0.2)?.at ?? firstEvent;
        const totalMs = readyAt - startedAt;
        runs.push({
          totalMs: round(totalMs),
          uploadMs: round(uploadedAt - startedAt),
          queueWaitMs: round(firstEvent - uploadedAt),
          parseAndChunkMs: round(parsedAt - firstEvent),
          embedAndIndexMs: round(readyAt - parsedAt),
          embeddingMs: round(input.meters.embed.ms),
          embeddingCalls: input.meters.embed.calls,
          embeddedTexts: input.meters.embed.items,
          embeddingShare: round(input.meters.embed.ms / totalMs, 3),
          vectorUpsertMs: round(input.meters.upsert.ms),
          pages: document.pageCount,
          chunks: document.chunkCount,
        });
        log(
          `  run ${run + 1}: ${runs.at(-1)!.totalMs.toFixed(0)} ms, ${document.chunkCount} chunks, embedding ${runs.at(-1)!.embeddingMs.toFixed(0)} ms`,
        );
        const deleted = await input.http.delete(`/api/hub/knowledge/documents/${id}`, undefined, {
          token: input.token,
        });
        if (deleted.status !== 204) throw new Error(`delete answered ${deleted.status}`);
      } finally {
        events.close();
      }
    }
    return {
      pages: settings.pdfPages,
      bytes: bytes.length,
      runs,
      medianTotalMs: round(median(runs.map((run) => run.totalMs))),
      medianEmbeddingShare: round(median(runs.map((run) => run.embeddingShare)), 3),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
};

// ---- c. time to first token ------------------------------------------------------------------------------------

const benchTimeToFirstToken = async (input: {
  server: TestServer;
  http: HttpClient;
  provider: Awaited<ReturnType<typeof startFakeProvider>>;
}) => {
  const creator = await registerCreator(input.http, 'ttft');
  const upload = await uploadDocument(input.server.baseUrl, creator.token, {
    name: 'couch-to-5k.md',
    bytes: readFixture('couch-to-5k.md'),
  });
  const document = await waitForDocument(input.http, creator.token, upload.body.id);
  if (document.status !== 'ready') throw new Error('the TTFT fixture did not become ready');
  const questions = [
    'How many times a week should a beginner run?',
    'How do I warm up before a run?',
    'When should I replace my running shoes?',
    'What pace should I run at?',
    'What should I do about shin pain while running?',
  ];
  const client: number[] = [];
  const providerOwn: number[] = [];
  const overhead: number[] = [];
  const beforeProvider: number[] = [];
  const relay: number[] = [];
  for (let index = 0; index < settings.warmupTtftRequests + settings.ttftRequests; index += 1) {
    const timingsBefore = input.provider.timings.length;
    const startedAt = performance.now();
    const stream = await openSse(`${input.server.baseUrl}/api/ai/ask`, {
      method: 'POST',
      token: creator.token,
      body: { question: questions[index % questions.length] },
    });
    const events = await stream.until((event) => event.event === 'token', 30_000);
    const firstTokenAt = events.find((event) => event.event === 'token')!.receivedAt;
    await stream.ended;
    const done = stream.events.find((event) => event.event === 'done');
    if (!done || JSON.parse(done.data).provider !== 'openai-compatible') {
      throw new Error(
        `the answer did not come from the fake provider: ${JSON.stringify(stream.events.slice(-2))}`,
      );
    }
    const timing = input.provider.timings[timingsBefore];
    if (!timing) throw new Error('the fake provider saw no request');
    if (index < settings.warmupTtftRequests) continue;
    const clientTtft = firstTokenAt - startedAt;
    const providerTtft = timing.firstTokenAt - timing.requestAt;
    client.push(clientTtft);
    providerOwn.push(providerTtft);
    overhead.push(clientTtft - providerTtft);
    beforeProvider.push(timing.requestAt - startedAt);
    relay.push(firstTokenAt - timing.firstTokenAt);
  }
  return {
    providerDelayMs: settings.providerDelayMs,
    requests: settings.ttftRequests,
    knowledgeBase: 'couch-to-5k.md (3 chunks) in its own creator',
    clientTtftMs: summarize(client),
    providerTtftMs: summarize(providerOwn),
    overheadMs: summarize(overhead),
    beforeProviderRequestMs: summarize(beforeProvider),
    providerTokenToClientMs: summarize(relay),
  };
};

// ---- b. retrieval at 100,000 chunks -----------------------------------------------------------------------------

const benchRetrieval = async (input: { server: TestServer; http: HttpClient; ai: AiRuntime }) => {
  const { server, ai } = input;
  const creator = await registerCreator(input.http, 'library');
  const random = mulberry32(20_260_301);
  const nextWord = createWordSource(random);
  const chunkText = () => {
    const sentence = sentences[Math.floor(random() * sentences.length)]!;
    const words: string[] = [];
    for (let index = 0; index < 100; index += 1) words.push(nextWord());
    return `${sentence} ${words.join(' ')}.`;
  };
  const setup = { sqlMs: 0, embeddingMs: 0, vectorUpsertMs: 0 };
  await ai.vectors.ensureCollection(creator.creatorId, {
    model: ai.embedder.model,
    dimension: ai.embedder.dimension,
  });
  const documents = Math.ceil(settings.chunks / settings.chunksPerDocument);
  const isRandom = settings.vectors === 'random unit vectors';
  const randomUnitVector = () => {
    const vector = Array.from({ length: ai.embedder.dimension }, () => random() * 2 - 1);
    const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
    return vector.map((value) => value / norm);
  };
  log(`retrieval: loading ${settings.chunks} chunks (${settings.vectors}) into one creator`);
  const loadStartedAt = performance.now();
  for (let documentIndex = 0; documentIndex < documents; documentIndex += 1) {
    const count = Math.min(
      settings.chunksPerDocument,
      settings.chunks - documentIndex * settings.chunksPerDocument,
    );
    const volume = `Volume ${documentIndex + 1}`;
    const chunks = Array.from({ length: count }, (_, ordinal) => ({
      id: randomUUID(),
      ordinal,
      headingPath: ['Coaching Library', volume, `Section ${Math.floor(ordinal / 10) + 1}`],
      page: Math.floor(ordinal / 3) + 1,
      text: chunkText(),
      tokenCount: 160,
    }));
    let startedAt = performance.now();
    const documentId = await withTenant(server.runtime.db, creator.creatorId, async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into knowledge_documents (creator_id, title, file_name, mime_type, bytes, sha256, content, status, progress,
                                          chunk_count, page_count, embedding_model)
         values ($1, $2, $3, 'application/pdf', 1, $4, '\\x00'::bytea, 'ready', 1, $5, $6, $7) returning id`,
        [
          creator.creatorId,
          `Coaching Library — ${volume}`,
          `library-${documentIndex + 1}.pdf`,
          randomUUID().replace(/-/g, '').padEnd(64, '0'),
          count,
          Math.ceil(count / 3),
          ai.embedder.model,
        ],
      );
      await knowledgeChunksRepository.insertMany(tx, rows[0]!.id, 'english', chunks);
      return rows[0]!.id;
    });
    setup.sqlMs += performance.now() - startedAt;
    startedAt = performance.now();
    const embeddings = isRandom
      ? chunks.map(() => randomUnitVector())
      : await ai.embedder.embed(chunks.map((chunk) => [...chunk.headingPath, chunk.text].join('\n')));
    setup.embeddingMs += performance.now() - startedAt;
    startedAt = performance.now();
    await ai.vectors.upsert(
      creator.creatorId,
      chunks.map((chunk, index) => ({
        id: chunk.id,
        embedding: embeddings[index]!,
        document: chunk.text,
        metadata: {
          documentId,
          ordinal: chunk.ordinal,
          page: chunk.page,
          heading: chunk.headingPath.join(' > '),
        },
      })),
    );
    setup.vectorUpsertMs += performance.now() - startedAt;
    if ((documentIndex + 1) % 10 === 0) {
      log(
        `  ${(documentIndex + 1) * settings.chunksPerDocument} chunks loaded (${((performance.now() - loadStartedAt) / 1000).toFixed(0)} s)`,
      );
    }
  }
  if (!isEmbedded) {
    // What autovacuum would do soon after a bulk load: planner statistics for the new rows.
    await withTenant(server.runtime.db, creator.creatorId, (tx) => tx.query('analyze knowledge_chunks'));
  }
  const vectorCount = await ai.vectors.count(creator.creatorId);
  if (vectorCount !== settings.chunks)
    throw new Error(`expected ${settings.chunks} vectors, found ${vectorCount}`);

  const qa = JSON.parse(readFileSync(join(repoRoot, 'eval/qa-set.json'), 'utf8')) as {
    questions: { q: string }[];
    outOfScope: string[];
  };
  const questions = [...qa.questions.map((question) => question.q), ...qa.outOfScope];
  const questionVectors = await ai.embedder.embed(questions);
  const retriever = createHybridRetriever({
    db: server.runtime.db,
    embedder: ai.embedder,
    vectors: ai.vectors,
  });
  const retrieveMs: number[] = [];
  const rawChromaMs: number[] = [];
  const embedMs: number[] = [];
  const keywordSqlMs: number[] = [];
  const keywordMatches: number[] = [];
  const time = async (work: () => Promise<unknown>) => {
    const startedAt = performance.now();
    await work();
    return performance.now() - startedAt;
  };
  log(`retrieval: ${settings.queries} queries (after ${settings.warmupQueries} to warm up)`);
  for (let index = 0; index < settings.warmupQueries + settings.queries; index += 1) {
    const question = questions[index % questions.length]!;
    const vector = questionVectors[index % questions.length]!;
    // Alternated, so both see the same machine load.
    const raw = await time(() => ai.vectors.query(creator.creatorId, vector, { k: 20 }));
    const hybrid = await time(() =>
      retriever.retrieve(creator.creatorId, question, { k: settings.k, searchConfig: 'english' }),
    );
    const embed = await time(() => ai.embedder.embed([question]));
    let matches = 0;
    const keyword = await time(() =>
      withTenant(server.runtime.db, creator.creatorId, async (tx) => {
        matches = (
          await knowledgeChunksRepository.keywordSearch(tx, { question, searchConfig: 'english', limit: 20 })
        ).length;
      }),
    );
    if (index < settings.warmupQueries) continue;
    rawChromaMs.push(raw);
    retrieveMs.push(hybrid);
    embedMs.push(embed);
    keywordSqlMs.push(keyword);
    keywordMatches.push(matches);
  }
  const matchCounts = await withTenant(server.runtime.db, creator.creatorId, async (tx) => {
    const counts: number[] = [];
    for (const question of questions.slice(0, 10)) {
      const { rows } = await tx.query<{ count: string }>(
        `with q as (select nullif(replace(plainto_tsquery('english', $1)::text, '&', '|'), '')::tsquery as query)
         select count(*) from q, knowledge_chunks c where q.query is not null and c.search_vector @@ q.query`,
        [question],
      );
      counts.push(Number(rows[0]!.count));
    }
    return counts;
  });
  // Where the keyword side spends its time, for the analysis (PostgreSQL only: PGlite has the same plan shape).
  const keywordPlan = isEmbedded
    ? []
    : await withTenant(server.runtime.db, creator.creatorId, async (tx) => {
        const { rows } = await tx.query<{ 'QUERY PLAN': string }>(
          `explain (analyze, buffers)
           with q as (select nullif(replace(plainto_tsquery('english', $1)::text, '&', '|'), '')::tsquery as query)
           select c.id, ts_rank_cd(c.search_vector, q.query, 32) as rank, tsvector_to_array(c.search_vector) as lexemes
             from q, knowledge_chunks c join knowledge_documents d on d.id = c.document_id and d.status = 'ready'
            where q.query is not null and c.search_vector @@ q.query
            order by rank desc, c.id limit 20`,
          [questions[0]],
        );
        return rows.map((row) => row['QUERY PLAN']);
      });
  const retrieve = summarize(retrieveMs);
  const rawChroma = summarize(rawChromaMs);
  return {
    chunks: settings.chunks,
    documents,
    vectors: settings.vectors,
    dimension: ai.embedder.dimension,
    loadMs: {
      total: round(performance.now() - loadStartedAt),
      sqlInsert: round(setup.sqlMs),
      embedding: round(setup.embeddingMs),
      vectorUpsert: round(setup.vectorUpsertMs),
    },
    queries: settings.queries,
    k: settings.k,
    retrieveMs: retrieve,
    rawChromaQueryMs: rawChroma,
    questionEmbeddingMs: summarize(embedMs),
    keywordSqlMs: summarize(keywordSqlMs),
    keywordCandidatesPerQuestionAvg: round(
      keywordMatches.reduce((sum, value) => sum + value, 0) / keywordMatches.length,
      1,
    ),
    chunksMatchingTheOrQuery: { firstTenQuestions: matchCounts },
    keywordPlanOfTheFirstQuestion: keywordPlan,
    ratioP95: round(retrieve.p95 / rawChroma.p95),
    ratioP50: round(retrieve.p50 / rawChroma.p50),
  };
};

// ---- main ----------------------------------------------------------------------------------------------------

const backend: Backend = isEmbedded
  ? { name: 'embedded', usesPostgres: false, usesRedis: false }
  : { name: 'postgres', usesPostgres: true, usesRedis: true };

const meters = { embed: newMeter(), upsert: newMeter() };
const provider = await startFakeProvider(settings.providerDelayMs);
let ai: AiRuntime | undefined;
let server: TestServer | undefined;
let closing: Promise<void> | undefined;
const cleanUp = () => {
  closing ??= (async () => {
    await server?.close().catch((error: unknown) => console.error('server close failed:', error));
    await ai?.close().catch((error: unknown) => console.error('AI close failed:', error));
    await provider.close();
  })();
  return closing;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the server and removing temporary data…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  const loadAverageAtStart = os.loadavg()[0]!;
  log(`starting the all-in-one server on ${settings.backend}`);
  server = await startTestServer(backend, {
    buildApp: async (runtime) => {
      ai = await createAiComponents(runtime.config, silentLogger);
      return buildServerApp(runtime, services, { ai: measured(ai, meters) });
    },
    startWorkers: (runtime) => startWorkers(runtime, services, measured(ai!, meters)),
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000',
      OPENAI_BASE_URL: provider.url,
      OPENAI_MODEL: 'fake-model',
    },
  });
  const http = createHttpClient(server.baseUrl);
  const owner = await registerCreator(http, 'bench');

  const ingestion = await benchIngestion({ server, http, token: owner.token, meters });
  log('time to first token');
  const ttft = await benchTimeToFirstToken({ server, http, provider });
  const retrieval = await benchRetrieval({ server, http, ai: ai! });

  const goalRows = [
    {
      goal: `ingestion of a ${settings.pdfPages}-page PDF < ${goals.ingestion100PagesMs} ms (median)`,
      actual: ingestion.medianTotalMs,
      met: ingestion.medianTotalMs < goals.ingestion100PagesMs,
    },
    {
      goal: `retrieve() p95 at ${settings.chunks} chunks < ${goals.retrievalP95Ms} ms`,
      actual: retrieval.retrieveMs.p95,
      met: retrieval.retrieveMs.p95 < goals.retrievalP95Ms,
    },
    {
      goal: `retrieve() p95 / raw Chroma query p95 ≤ ${goals.retrievalRatio}`,
      actual: retrieval.ratioP95,
      met: retrieval.ratioP95 <= goals.retrievalRatio,
    },
    {
      goal: `time to first token minus the provider's ≤ ${goals.ttftOverheadMs} ms (p95)`,
      actual: ttft.overheadMs.p95,
      met: ttft.overheadMs.p95 <= goals.ttftOverheadMs,
    },
  ];
  const postgresVersion = isEmbedded
    ? 'PGlite'
    : await withTenant(
        server.runtime.db,
        owner.creatorId,
        async (tx) => (await tx.query<{ version: string }>('show server_version')).rows[0]!.version,
      );
  const result = {
    benchmark: 'knowledge',
    command: 'node --import tsx bench/knowledge.ts',
    date: new Date().toISOString(),
    node: process.version,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
      postgres: postgresVersion,
      loadAverage1mAtStart: round(loadAverageAtStart),
      loadAverage1mAtEnd: round(os.loadavg()[0]!),
    },
    embeddingModel: ai!.embedder.model,
    settings,
    scenarios: { ingestion, retrieval, timeToFirstToken: ttft },
    goals: goalRows,
  };
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench/results/knowledge.json'), `${JSON.stringify(result, null, 2)}\n`);

  console.log('\nKnowledge benchmark (bench/results/knowledge.json)');
  console.log(
    `backend: ${settings.backend}; embedding model: ${result.embeddingModel}; load avg ${result.machine.loadAverage1mAtStart} → ${result.machine.loadAverage1mAtEnd}`,
  );
  console.log(
    `a. ingestion of a ${ingestion.pages}-page PDF (${ingestion.runs[0]?.chunks} chunks): median ${ingestion.medianTotalMs.toFixed(0)} ms; embedding share ${(ingestion.medianEmbeddingShare * 100).toFixed(0)} %; runs ${ingestion.runs.map((run) => run.totalMs.toFixed(0)).join(', ')} ms`,
  );
  console.log(
    `b. retrieval at ${retrieval.chunks} chunks (${retrieval.vectors}): retrieve() p50 ${retrieval.retrieveMs.p50} / p95 ${retrieval.retrieveMs.p95} ms; raw Chroma p50 ${retrieval.rawChromaQueryMs.p50} / p95 ${retrieval.rawChromaQueryMs.p95} ms; ratio p95 ${retrieval.ratioP95}×; keyword SQL p95 ${retrieval.keywordSqlMs.p95} ms; question embedding p95 ${retrieval.questionEmbeddingMs.p95} ms`,
  );
  console.log(
    `c. time to first token: client p50 ${ttft.clientTtftMs.p50} / p95 ${ttft.clientTtftMs.p95} ms, provider ${ttft.providerTtftMs.p50} ms → overhead p50 ${ttft.overheadMs.p50} / p95 ${ttft.overheadMs.p95} ms`,
  );
  for (const goal of goalRows) console.log(`${goal.met ? 'met   ' : 'MISSED'}  ${goal.goal}: ${goal.actual}`);
} finally {
  await cleanUp();
}
