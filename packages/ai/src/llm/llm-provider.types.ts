export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

export type GenerateOptions = {
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  model?: string;
};

/**
 * A language model that streams text. Implementations: Ollama (`OLLAMA_URL`), any OpenAI-compatible server
 * (`OPENAI_BASE_URL`), embedded llama.cpp through node-llama-cpp (`LLM_MODEL_PATH`, a GGUF file). With none
 * configured the answer pipeline answers extractively instead (no provider).
 */
export type LlmProvider = {
  name: 'ollama' | 'openai-compatible' | 'llama-cpp';
  model: string;
  generate(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<string>;
  ping(): Promise<void>;
  close(): Promise<void>;
};
