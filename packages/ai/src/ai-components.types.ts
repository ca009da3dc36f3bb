import type { Embedder } from './embeddings/embedder.types';
import type { LlmProvider } from './llm/llm-provider.types';
import type { VectorStore } from './vectors/vector-store.types';

/** The AI side of a process: embeddings, the vector store, and the language model (null = extractive answers). */
export type AiComponents = { embedder: Embedder; vectors: VectorStore; llm: LlmProvider | null };
