import { join, resolve } from 'node:path';
import type { TConfig } from '@companero/core/config/config.schema';
import type { Embedder } from './embedder.types';
import { createLocalEmbedder, defaultModelsDir } from './local-embedder';
import { createOllamaEmbedder } from './ollama-embedder';

export type EmbedderConfig = Pick<
  TConfig,
  | 'DATA_DIR'
  | 'EMBEDDING_PROVIDER'
  | 'EMBEDDING_MODEL'
  | 'EMBEDDING_MODELS_DIR'
  | 'EMBEDDING_ALLOW_REMOTE'
  | 'OLLAMA_URL'
  | 'OLLAMA_EMBEDDING_MODEL'
>;

/**
 * `EMBEDDING_PROVIDER=local` (the default): the ONNX model `EMBEDDING_MODEL` from `EMBEDDING_MODELS_DIR`
 * (default: the repository's models/). `EMBEDDING_PROVIDER=ollama`: `OLLAMA_EMBEDDING_MODEL` on `OLLAMA_URL`.
 */
export const createEmbedderFromConfig = async (config: EmbedderConfig): Promise<Embedder> => {
  if (config.EMBEDDING_PROVIDER === 'ollama') {
    if (!config.OLLAMA_URL) throw new Error('EMBEDDING_PROVIDER=ollama needs OLLAMA_URL');
    return createOllamaEmbedder({ url: config.OLLAMA_URL, model: config.OLLAMA_EMBEDDING_MODEL });
  }
  return createLocalEmbedder({
    model: config.EMBEDDING_MODEL,
    modelsDir: config.EMBEDDING_MODELS_DIR ? resolve(config.EMBEDDING_MODELS_DIR) : defaultModelsDir,
    allowRemote: config.EMBEDDING_ALLOW_REMOTE,
    // Only used for downloads: they are kept with the rest of the embedded data, not inside node_modules.
    ...(config.EMBEDDING_ALLOW_REMOTE ? { cacheDir: join(resolve(config.DATA_DIR), 'models') } : {}),
  });
};
