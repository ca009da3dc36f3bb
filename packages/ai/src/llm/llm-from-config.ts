import { resolve } from 'node:path';
import type { TConfig } from '@companero/core/config/config.schema';
import { type ComponentLogger, silentLogger } from '../logging/component-logger.types';
import { createLlamaCppProvider } from './llama-cpp-provider';
import type { LlmProvider } from './llm-provider.types';
import { createOllamaProvider } from './ollama-provider';
import { createOpenAiCompatibleProvider } from './openai-compatible-provider';

export type LlmConfig = Pick<
  TConfig,
  | 'OLLAMA_URL'
  | 'OLLAMA_MODEL'
  | 'OPENAI_BASE_URL'
  | 'OPENAI_API_KEY'
  | 'OPENAI_MODEL'
  | 'LLM_MODEL_PATH'
  | 'LLM_THREADS'
  | 'LLM_CONTEXT_SIZE'
>;

/**
 * The first language model that is available, in this order: Ollama when `OLLAMA_URL` answers now, an
 * OpenAI-compatible server when `OPENAI_BASE_URL` is set, llama.cpp when `LLM_MODEL_PATH` is set. `null` when
 * none is: the answer pipeline then answers extractively.
 */
export const createLlmFromConfig = async (
  config: LlmConfig,
  options: { logger?: ComponentLogger; ollamaPingTimeoutMs?: number } = {},
): Promise<LlmProvider | null> => {
  const logger = options.logger ?? silentLogger;
  if (config.OLLAMA_URL) {
    const ollama = createOllamaProvider({
      url: config.OLLAMA_URL,
      model: config.OLLAMA_MODEL,
      pingTimeoutMs: options.ollamaPingTimeoutMs ?? 2_000,
    });
    try {
      await ollama.ping();
      logger.info({ url: config.OLLAMA_URL, model: config.OLLAMA_MODEL }, 'language model: Ollama');
      return ollama;
    } catch (error) {
      await ollama.close();
      logger.warn(
        { url: config.OLLAMA_URL, err: error },
        'OLLAMA_URL is set but Ollama does not answer; trying the next language model',
      );
    }
  }
  if (config.OPENAI_BASE_URL) {
    logger.info(
      { url: config.OPENAI_BASE_URL, model: config.OPENAI_MODEL },
      'language model: OpenAI-compatible',
    );
    return createOpenAiCompatibleProvider({
      baseUrl: config.OPENAI_BASE_URL,
      apiKey: config.OPENAI_API_KEY,
      model: config.OPENAI_MODEL,
    });
  }
  if (config.LLM_MODEL_PATH) {
    const modelPath = resolve(config.LLM_MODEL_PATH);
    const provider = await createLlamaCppProvider({
      modelPath,
      threads: config.LLM_THREADS,
      contextSize: config.LLM_CONTEXT_SIZE,
    });
    logger.info({ modelPath, threads: config.LLM_THREADS }, 'language model: llama.cpp');
    return provider;
  }
  logger.info({}, 'no language model configured: answers will be extractive');
  return null;
};
