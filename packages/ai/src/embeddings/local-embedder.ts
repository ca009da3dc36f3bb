import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, type FeatureExtractionPipeline, pipeline } from '@huggingface/transformers';
import type { Embedder } from './embedder.types';

/** The repository's `models/` folder, which ships the default model (see models/README.md). */
export const defaultModelsDir = fileURLToPath(new URL('../../../../models/', import.meta.url));

export type LocalEmbedderOptions = {
  /** A folder name inside `modelsDir` (transformers.js layout), or a hub id when `allowRemote` is set. */
  model: string;
  modelsDir: string;
  /** Download the model from the Hugging Face hub when it is not in `modelsDir`. */
  allowRemote: boolean;
  /** Where downloaded models are kept (default: the transformers.js cache inside node_modules). */
  cacheDir?: string;
  /** The model hub to download from (default https://huggingface.co/), e.g. a mirror. */
  remoteHost?: string;
  batchSize?: number;
};

// transformers.js keeps its loading switches in one process-wide `env` object, read while a pipeline loads:
// loads are queued so that two embedders with different folders cannot see each other's settings.
let loadQueue: Promise<unknown> = Promise.resolve();
const defaultRemoteHost = env.remoteHost;

const loadPipeline = (
  options: LocalEmbedderOptions,
  isLocal: boolean,
): Promise<FeatureExtractionPipeline> => {
  const load = async () => {
    env.allowLocalModels = true;
    env.localModelPath = options.modelsDir;
    env.allowRemoteModels = options.allowRemote;
    env.remoteHost = options.remoteHost ?? defaultRemoteHost;
    return (await pipeline('feature-extraction', options.model, {
      dtype: 'fp32',
      local_files_only: isLocal || !options.allowRemote,
      ...(options.cacheDir ? { cache_dir: options.cacheDir } : {}),
    })) as FeatureExtractionPipeline;
  };
  const loaded = loadQueue.then(load, load);
  loadQueue = loaded.catch(() => undefined);
  return loaded;
};

/**
 * Sentence embeddings computed in-process by an ONNX model through @huggingface/transformers (mean pooling,
 * L2-normalised). Loads from `modelsDir/<model>` and never touches the network unless `allowRemote` is set.
 * The dimension is read from the model by embedding a probe sentence.
 */
export const createLocalEmbedder = async (options: LocalEmbedderOptions): Promise<Embedder> => {
  const batchSize = options.batchSize ?? 64;
  const isLocal = existsSync(join(options.modelsDir, options.model, 'config.json'));
  if (!isLocal && !options.allowRemote) {
    throw new Error(
      `Embedding model "${options.model}" is not in ${options.modelsDir} (expected ${join(options.modelsDir, options.model, 'config.json')}). ` +
        'Put a transformers.js model folder there, set EMBEDDING_MODELS_DIR, or allow downloads with EMBEDDING_ALLOW_REMOTE=true.',
    );
  }
  let extractor: FeatureExtractionPipeline;
  try {
    extractor = await loadPipeline(options, isLocal);
  } catch (error) {
    const where = isLocal ? join(options.modelsDir, options.model) : `the model hub (${options.model})`;
    throw new Error(
      `Could not load embedding model from ${where}: ${error instanceof Error ? error.message : error}`,
      {
        cause: error,
      },
    );
  }

  const embed = async (texts: string[]): Promise<number[][]> => {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      const output = await extractor(batch, { pooling: 'mean', normalize: true });
      const batchVectors = output.tolist() as number[][];
      // Mean pooling over zero tokens (an empty or blank text) divides by zero: refuse rather than store NaN.
      const emptyIndex = batchVectors.findIndex((vector) => vector.some((value) => !Number.isFinite(value)));
      if (emptyIndex !== -1) {
        throw new Error(`Cannot embed text ${start + emptyIndex}: it has no tokens (empty or blank)`);
      }
      vectors.push(...batchVectors);
    }
    return vectors;
  };

  const [probe] = await embed(['dimension probe']);
  if (!probe || probe.length === 0) throw new Error(`Embedding model "${options.model}" returned no vector`);

  return {
    model: `local:${options.model}`,
    dimension: probe.length,
    embed,
    async ping() {
      await embed(['ping']);
    },
  };
};
