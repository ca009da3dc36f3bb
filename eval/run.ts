// Retrieval and answer evaluation (`npm run eval`): ingests the five knowledge fixtures into a fresh embedded
// Compañero (PGlite, local Chroma, the shipped embedding model), then measures, for dense-only, keyword-only and
// hybrid retrieval, recall@5 and nDCG@10 over eval/qa-set.json, and through POST /api/ai/ask the citation
// accuracy and the refusal rate on out-of-scope questions. Writes bench/results/eval.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAiComponents } from '@companero/ai/ai-components';
import { createHybridRetriever, type RetrievalMode } from '@companero/ai/retrieval/hybrid-retriever';
import { withTenant } from '@companero/db/tenant';
import { buildServerApp, startWorkers } from '@companero/server/server-app';
import { createHttpClient } from '@companero/testing/http-client';
import { startTestServer } from '@companero/testing/test-server';

type QaSet = {
  documents: string[];
  questions: { q: string; file: string; section: string }[];
  outOfScope: string[];
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const qa = JSON.parse(readFileSync(join(root, 'eval/qa-set.json'), 'utf8')) as QaSet;
const fixtures = join(root, 'services/ai-engine/test/fixtures/knowledge');
const silent = { info() {}, warn() {}, error() {} };

const dcg = (relevances: boolean[]) =>
  relevances.reduce((sum, isRelevant, index) => sum + (isRelevant ? 1 / Math.log2(index + 2) : 0), 0);
const round = (value: number) => Math.round(value * 1000) / 1000;

let aiRef: Awaited<ReturnType<typeof createAiComponents>> | undefined;
const server = await startTestServer(
  { name: 'embedded', usesPostgres: false, usesRedis: false },
  {
    buildApp: async (runtime) => {
      aiRef = await createAiComponents(runtime.config, silent);
      return buildServerApp(runtime, ['auth', 'creator-hub', 'ai-engine'], { ai: aiRef });
    },
    startWorkers: (runtime) => startWorkers(runtime, ['auth', 'creator-hub', 'ai-engine'], aiRef),
    env: { RATE_LIMIT_PER_MINUTE: '100000', LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '1000' },
  },
);
const ai = aiRef!;
try {
  const http = createHttpClient(server.baseUrl);
  const registered = await http.post<{ accessToken: string; creator: { id: string } }>('/api/auth/register', {
    email: 'eval@example.com',
    password: 'evaluation passphrase 2026',
    name: 'Eval',
    creatorName: 'Eval Coach',
  });
  const token = registered.body.accessToken;
  const creatorId = registered.body.creator.id;

  // Ingest through the real upload endpoint and wait for the worker.
  const startedAt = performance.now();
  const documentIds = new Map<string, string>();
  for (const file of qa.documents) {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(join(fixtures, file))]), file);
    const response = await fetch(`${server.baseUrl}/api/hub/knowledge/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    documentIds.set(file, ((await response.json()) as { id: string }).id);
  }
  for (;;) {
    const list = await http.get<{ items: { status: string }[] }>('/api/hub/knowledge/documents', { token });
    if (list.body.items.every((item) => item.status === 'ready' || item.status === 'failed')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const ingestionMs = Math.round(performance.now() - startedAt);

  // The chunks that answer each question: its file and its section heading.
  const chunks = await withTenant(
    server.runtime.db,
    creatorId,
    async (tx) =>
      (
        await tx.query<{ id: string; documentId: string; headingPath: string[] }>(
          'select id, document_id as "documentId", heading_path as "headingPath" from knowledge_chunks',
        )
      ).rows,
  );
  const relevantIds = (question: QaSet['questions'][number]) =>
    new Set(
      chunks
        .filter(
          (chunk) =>
            chunk.documentId === documentIds.get(question.file) &&
            chunk.headingPath.includes(question.section),
        )
        .map((chunk) => chunk.id),
    );

  const retriever = createHybridRetriever({
    db: server.runtime.db,
    embedder: ai.embedder,
    vectors: ai.vectors,
  });
  const modes: RetrievalMode[] = ['dense', 'keyword', 'hybrid'];
  const retrieval: Record<string, { recallAt5: number; ndcgAt10: number; mrr: number }> = {};
  for (const mode of modes) {
    let recall = 0;
    let ndcg = 0;
    let reciprocal = 0;
    for (const question of qa.questions) {
      const relevant = relevantIds(question);
      const results = await retriever.retrieve(creatorId, question.q, {
        k: 10,
        searchConfig: 'english',
        mode,
      });
      const hits = results.map((result) => relevant.has(result.chunkId));
      if (hits.slice(0, 5).some(Boolean)) recall += 1;
      const ideal = dcg(Array.from({ length: Math.min(10, relevant.size) }, () => true));
      ndcg += ideal > 0 ? dcg(hits.slice(0, 10)) / ideal : 0;
      const firstHit = hits.indexOf(true);
      reciprocal += firstHit >= 0 ? 1 / (firstHit + 1) : 0;
    }
    const count = qa.questions.length;
    retrieval[mode] = {
      recallAt5: round(recall / count),
      ndcgAt10: round(ndcg / count),
      mrr: round(reciprocal / count),
    };
  }

  // Answers through the API, as a member's app would ask (extractive without a configured model).
  let answered = 0;
  let topCitationCorrect = 0;
  let citedCorrect = 0;
  let citedTotal = 0;
  for (const question of qa.questions) {
    const response = await http.post<{
      grounded: boolean;
      citations: { documentId: string; chunkId: string }[];
    }>('/api/ai/ask', { question: question.q }, { token });
    if (!response.body.grounded) continue;
    answered += 1;
    const relevant = relevantIds(question);
    if (response.body.citations[0] && relevant.has(response.body.citations[0].chunkId))
      topCitationCorrect += 1;
    for (const citation of response.body.citations) {
      citedTotal += 1;
      if (citation.documentId === documentIds.get(question.file)) citedCorrect += 1;
    }
  }
  let refused = 0;
  for (const question of qa.outOfScope) {
    const response = await http.post<{ grounded: boolean }>('/api/ai/ask', { question }, { token });
    if (!response.body.grounded) refused += 1;
    else if (process.env.EVAL_VERBOSE) {
      const [top] = await retriever.retrieve(creatorId, question, { k: 3, searchConfig: 'english' });
      console.log(
        `answered out-of-scope: "${question}" top=${JSON.stringify({ vector: top?.vectorScore, coverage: top?.coverage, text: top?.text.slice(0, 60) })}`,
      );
    }
  }

  const result = {
    benchmark: 'retrieval and answer evaluation',
    command: 'npm run eval',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    embeddingModel: ai.embedder.model,
    answerProvider: ai.llm ? ai.llm.name : 'extractive',
    questions: qa.questions.length,
    outOfScopeQuestions: qa.outOfScope.length,
    documents: qa.documents.length,
    ingestionMs,
    retrieval,
    hybridBeatsDense:
      retrieval.hybrid!.ndcgAt10 > retrieval.dense!.ndcgAt10 &&
      retrieval.hybrid!.recallAt5 >= retrieval.dense!.recallAt5,
    answers: {
      answeredRate: round(answered / qa.questions.length),
      topCitationAccuracy: round(answered > 0 ? topCitationCorrect / answered : 0),
      citationPrecision: round(citedTotal > 0 ? citedCorrect / citedTotal : 0),
      outOfScopeRefusalRate: round(refused / qa.outOfScope.length),
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/eval.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log('mode     recall@5  nDCG@10  MRR');
  for (const mode of modes)
    console.log(
      `${mode.padEnd(8)} ${String(retrieval[mode]!.recallAt5).padEnd(9)} ${String(retrieval[mode]!.ndcgAt10).padEnd(8)} ${retrieval[mode]!.mrr}`,
    );
  console.log(`answers: ${JSON.stringify(result.answers)}`);
  console.log(
    `hybrid beats dense: ${result.hybridBeatsDense}; ingestion of ${qa.documents.length} documents: ${ingestionMs} ms`,
  );
} finally {
  await server.close();
  await ai.close();
}
