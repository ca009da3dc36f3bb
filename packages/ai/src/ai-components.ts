import type { TConfig } from '@companero/core/config/config.schema';
import type { ReadinessChecks } from '@companero/core/http/health.routes';
import type { AiComponents } from './ai-components.types';
import { createEmbedderFromConfig } from './embeddings/embedder-from-config';
import { createLlmFromConfig } from './llm/llm-from-config';
import type { ComponentLogger } from './logging/component-logger.types';
import { createVectorStoreFromConfig } from './vectors/vector-store-from-config';

export type AiRuntime = AiComponents & { readiness: ReadinessChecks; close(): Promise<void> };

/**
 * Builds the AI components one process uses from config (embedder, vector store, language model). The
 * embedded Chroma and the local embedding model load side by side, so start-up waits for the slower one.
 */
export const createAiComponents = async (config: TConfig, logger: ComponentLogger): Promise<AiRuntime> => {
  const [embedder, vectors, llm] = await Promise.all([
    createEmbedderFromConfig(config),
    createVectorStoreFromConfig(config, { logger }),
    createLlmFromConfig(config, { logger }),
  ]);
  logger.info(
    {
      embedding: embedder.model,
      dimension: embedder.dimension,
      llm: llm ? `${llm.name}:${llm.model}` : 'none (extractive answers)',
    },
    'AI components ready',
  );
  const readiness: ReadinessChecks = { vectors: () => vectors.ping(), embeddings: () => embedder.ping() };
  if (llm) readiness.llm = () => llm.ping();
  return {
    embedder,
    vectors,
    llm,
    readiness,
    async close() {
      await Promise.allSettled([vectors.close(), llm?.close()]);
    },
  };
};
