import { AppError } from '@companero/core/errors/app-error';
import { z } from 'zod';
import { providerRequest } from '../http/provider-request';
import { createInFlightRequests } from './in-flight-requests';
import type { LlmProvider } from './llm-provider.types';

export type OllamaProviderOptions = {
  /** e.g. http://127.0.0.1:11434 */
  url: string;
  /** e.g. llama3.2 (pulled on that server); `generate({ model })` overrides it per call. */
  model: string;
  /** Longest silence: before the first token (which may include loading the model) and between tokens. */
  timeoutMs?: number;
  /** For `ping`, which decides at start-up whether Ollama is there at all. */
  pingTimeoutMs?: number;
};

// https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion: one JSON object per line,
// `{"message": {"role": "assistant", "content": "…"}, "done": false}` … `{"done": true, …}`, or `{"error": "…"}`.
const ZChatLine = z.object({
  message: z.object({ content: z.string().optional() }).optional(),
  done: z.boolean().optional(),
  error: z.string().optional(),
});

/** Chat through Ollama's native API (`POST /api/chat`, `stream: true`, NDJSON). */
export const createOllamaProvider = (options: OllamaProviderOptions): LlmProvider => {
  const baseUrl = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 120_000;
  const inFlight = createInFlightRequests();

  return {
    name: 'ollama',
    model: options.model,

    async *generate(messages, generateOptions = {}) {
      const request = inFlight.start(generateOptions.signal);
      try {
        const response = await providerRequest({
          provider: 'Ollama',
          url: `${baseUrl}/api/chat`,
          method: 'POST',
          body: {
            model: generateOptions.model ?? options.model,
            messages: messages.map(({ role, content }) => ({ role, content })),
            stream: true,
            options: {
              ...(generateOptions.temperature === undefined
                ? {}
                : { temperature: generateOptions.temperature }),
              ...(generateOptions.maxTokens === undefined ? {} : { num_predict: generateOptions.maxTokens }),
            },
          },
          signal: request.signal,
          idleTimeoutMs: timeoutMs,
        });
        for await (const line of response.lines()) {
          if (line.trim() === '') continue;
          let json: unknown;
          try {
            json = JSON.parse(line);
          } catch {
            throw new AppError('SERVICE_UNAVAILABLE', {
              message: `Ollama streamed a line that is not JSON: ${line.slice(0, 200)}`,
            });
          }
          const parsed = ZChatLine.safeParse(json);
          if (!parsed.success) {
            throw new AppError('SERVICE_UNAVAILABLE', {
              message: `Ollama streamed an unexpected object: ${line.slice(0, 200)}`,
            });
          }
          if (parsed.data.error) {
            throw new AppError('SERVICE_UNAVAILABLE', {
              message: `Ollama failed while streaming: ${parsed.data.error}`,
            });
          }
          const content = parsed.data.message?.content;
          if (content) yield content;
          if (parsed.data.done) return;
        }
        throw new AppError('SERVICE_UNAVAILABLE', {
          message: 'Ollama ended the stream without `done: true`',
        });
      } finally {
        request.finish();
      }
    },

    async ping() {
      const response = await providerRequest({
        provider: 'Ollama',
        url: `${baseUrl}/api/version`,
        idleTimeoutMs: options.pingTimeoutMs ?? 2_000,
      });
      await response.json();
    },

    async close() {
      inFlight.abortAll(new Error('The Ollama provider was closed'));
    },
  };
};
