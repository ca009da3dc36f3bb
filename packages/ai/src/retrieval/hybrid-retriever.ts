import type { TenantDatabase } from '@companero/db/tenant';
import { withTenant } from '@companero/db/tenant';
import type { Embedder } from '../embeddings/embedder.types';
import type { VectorStore } from '../vectors/vector-store.types';
import { type ChunkRow, knowledgeChunksRepository } from './knowledge-chunks.repository';

export type RetrievedChunk = {
  chunkId: string;
  documentId: string;
  title: string;
  text: string;
  headingPath: string[];
  page: number | null;
  /** Reciprocal-rank-fusion score (higher is better). */
  score: number;
  vectorScore: number | null;
  keywordRank: number | null;
  /** Share of the question's content words found in the chunk (0..1). */
  coverage: number;
  isRelevant: boolean;
};

export type RetrievalMode = 'hybrid' | 'dense' | 'keyword';

export type RetrieverOptions = {
  /** How many candidates each side contributes before fusion. */
  candidates?: number;
  /** RRF constant (Cormack et al. 2009 use 60). */
  rrfK?: number;
  /** A chunk is relevant when it holds at least this share of the question's content words… */
  minCoverage?: number;
  /** …or when its cosine similarity reaches this AND it shares at least `minSupportingCoverage` of them. */
  minVectorScore?: number;
  minSupportingCoverage?: number;
};

const jaccard = (a: string[], b: string[]) => {
  const setA = new Set(a);
  const setB = new Set(b);
  let shared = 0;
  for (const word of setA) if (setB.has(word)) shared += 1;
  return shared / (setA.size + setB.size - shared || 1);
};

/**
 * Hybrid retrieval: dense vectors from the creator's Chroma collection and keyword search in PostgreSQL,
 * fused with reciprocal rank fusion, near-duplicates (overlapping chunks) dropped, and a relevance floor so
 * "nothing relevant" is a real answer rather than the least bad passage.
 */
export type HybridRetrieverDeps = {
  db: TenantDatabase;
  embedder: Embedder;
  vectors: VectorStore;
  /** Called when the creator's collection was built with another embedding model (schedule a re-index). */
  onModelMismatch?: (creatorId: string, collectionModel: string) => Promise<unknown>;
  /** When set, a failing dense search is reported here and retrieval continues with keywords only. */
  onDenseFailure?: (creatorId: string, error: unknown) => Promise<void> | void;
};

export const createHybridRetriever = (deps: HybridRetrieverDeps, options: RetrieverOptions = {}) => {
  const candidates = options.candidates ?? 20;
  const rrfK = options.rrfK ?? 60;
  // Calibrated with `npm run eval`: small static embedding models score unrelated text well above zero, so
  // similarity alone never vouches for a passage; it must share some of the question's words too.
  const minVectorScore = options.minVectorScore ?? 0.6;
  const minCoverage = options.minCoverage ?? 0.5;
  const minSupportingCoverage = options.minSupportingCoverage ?? 0.34;

  return {
    async retrieve(
      creatorId: string,
      question: string,
      retrieval: { k: number; searchConfig: string; mode?: RetrievalMode },
    ): Promise<RetrievedChunk[]> {
      const mode = retrieval.mode ?? 'hybrid';
      const dense =
        mode === 'keyword'
          ? []
          : await (async () => {
              const [embedding] = await deps.embedder.embed([question]);
              const collection = await deps.vectors.ensureCollection(creatorId, {
                model: deps.embedder.model,
                dimension: deps.embedder.dimension,
              });
              // Vectors of another model live in this collection until the re-index finishes: do not compare them.
              if (
                collection.model !== deps.embedder.model ||
                collection.dimension !== deps.embedder.dimension
              ) {
                await deps.onModelMismatch?.(creatorId, collection.model);
                return [];
              }
              return deps.vectors.query(creatorId, embedding!, { k: candidates });
            })().catch(async (error: unknown) => {
              // The vector store failing (down, or a collection being rebuilt by a re-index) degrades the
              // answer to keyword retrieval instead of failing it; /ready reports the store, the caller logs.
              if (!deps.onDenseFailure) throw error;
              await deps.onDenseFailure(creatorId, error);
              return [];
            });
      return withTenant(deps.db, creatorId, async (tx) => {
        const keyword =
          mode === 'dense'
            ? []
            : await knowledgeChunksRepository.keywordSearch(tx, {
                question,
                searchConfig: retrieval.searchConfig,
                limit: candidates,
              });
        const denseRows = await knowledgeChunksRepository.getMany(
          tx,
          dense.map((hit) => hit.id).filter((id) => !keyword.some((row) => row.id === id)),
        );
        const questionLexemes = await knowledgeChunksRepository.questionLexemes(
          tx,
          question,
          retrieval.searchConfig,
        );
        const rows = new Map<string, ChunkRow>([...keyword, ...denseRows].map((row) => [row.id, row]));
        const fused = new Map<
          string,
          { score: number; vectorScore: number | null; keywordRank: number | null }
        >();
        dense.forEach((hit, index) => {
          if (!rows.has(hit.id)) return;
          fused.set(hit.id, { score: 1 / (rrfK + index + 1), vectorScore: hit.score, keywordRank: null });
        });
        keyword.forEach((row, index) => {
          const entry = fused.get(row.id) ?? { score: 0, vectorScore: null, keywordRank: null };
          entry.score += 1 / (rrfK + index + 1);
          entry.keywordRank = row.rank;
          fused.set(row.id, entry);
        });
        const ranked = [...fused.entries()]
          .map(([id, entry]) => {
            const row = rows.get(id)!;
            const lexemes = new Set(row.lexemes);
            const coverage =
              questionLexemes.length > 0
                ? questionLexemes.filter((lexeme) => lexemes.has(lexeme)).length / questionLexemes.length
                : 0;
            return {
              chunkId: id,
              documentId: row.documentId,
              title: row.title,
              text: row.text,
              headingPath: row.headingPath,
              page: row.page,
              score: entry.score,
              vectorScore: entry.vectorScore,
              keywordRank: entry.keywordRank,
              coverage,
              isRelevant:
                coverage >= minCoverage ||
                ((entry.vectorScore ?? 0) >= minVectorScore && coverage >= minSupportingCoverage),
              words: row.lexemes,
            };
          })
          .sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId));
        const kept: typeof ranked = [];
        for (const candidate of ranked) {
          // Overlapping neighbours repeat each other: keep the better-ranked one.
          if (
            kept.some(
              (chosen) =>
                chosen.documentId === candidate.documentId && jaccard(chosen.words, candidate.words) > 0.7,
            )
          )
            continue;
          kept.push(candidate);
          if (kept.length >= retrieval.k) break;
        }
        return kept.map(({ words: _words, ...chunk }) => chunk);
      });
    },
  };
};

export type HybridRetriever = ReturnType<typeof createHybridRetriever>;
