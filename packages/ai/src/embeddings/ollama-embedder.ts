import { AppError } from '@companero/core/errors/app-error';
import { z } from 'zod';
import { providerRequest } from '../http/provider-request';
import type { Embedder } from './embedder.types';
import { l2Normalize } from './l2-normalize';

export type OllamaEmbedderOptions = {
  /** e.g. http://127.0.0.1:11434 */
  url: string;
  /** e.g. nomic-embed-text (pulled on that server). */
  model: string;
  batchSize?: number;
  /** Longest silence per request; the first request may load the model into memory. */
  timeoutMs?: number;
};

// https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
const ZEmbedResponse = z.object({ embeddings: z.array(z.array(z.number())) });

/**
 * Embeddings from an Ollama server (`POST /api/embed`, several inputs per request). Ollama's vectors are not
 * always unit length (it depends on the model), so they are L2-normalised here. The dimension is read by
 * embedding a probe sentence, which also proves that the model is pulled.
 */
export const createOllamaEmbedder = async (options: OllamaEmbedderOptions): Promise<Embedder> => {
  const baseUrl = options.url.replace(/\/+$/, '');
  const batchSize = options.batchSize ?? 32;
  const timeoutMs = options.timeoutMs ?? 60_000;

  const embedBatch = async (input: string[]): Promise<number[][]> => {
    const response = await providerRequest({
      provider: 'Ollama',
      url: `${baseUrl}/api/embed`,
      method: 'POST',
      body: { model: options.model, input },
      idleTimeoutMs: timeoutMs,
    });
    const parsed = ZEmbedResponse.safeParse(await response.json());
    if (!parsed.success) {
      throw new AppError('SERVICE_UNAVAILABLE', {
        message: `Ollama answered /api/embed with an unexpected body: ${parsed.error.message}`,
      });
    }
    if (parsed.data.embeddings.length !== input.length) {
      throw new AppError('SERVICE_UNAVAILABLE', {
        message: `Ollama returned ${parsed.data.embeddings.length} embeddings for ${input.length} inputs`,
      });
    }
    return parsed.data.embeddings.map(l2Normalize);
  };

  const embed = async (texts: string[]): Promise<number[][]> => {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      vectors.push(...(await embedBatch(texts.slice(start, start + batchSize))));
    }
    return vectors;
  };

  const [probe] = await embed(['dimension probe']);
  if (!probe || probe.length === 0) {
    throw new AppError('SERVICE_UNAVAILABLE', {
      message: `Ollama model "${options.model}" returned no vector`,
    });
  }
  const dimension = probe.length;

  return {
    model: `ollama:${options.model}`,
    dimension,
    async embed(texts) {
      const vectors = await embed(texts);
      const wrong = vectors.find((vector) => vector.length !== dimension);
      if (wrong) {
        throw new AppError('SERVICE_UNAVAILABLE', {
          message: `Ollama model "${options.model}" returned a ${wrong.length}-dimension vector, expected ${dimension}`,
        });
      }
      return vectors;
    },
    async ping() {
      const response = await providerRequest({
        provider: 'Ollama',
        url: `${baseUrl}/api/version`,
        idleTimeoutMs: Math.min(timeoutMs, 5_000),
      });
      await response.json();
    },
  };
};
