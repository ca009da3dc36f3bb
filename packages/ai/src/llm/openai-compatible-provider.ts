import { AppError } from '@companero/core/errors/app-error';
import { z } from 'zod';
import { providerRequest } from '../http/provider-request';
import { createInFlightRequests } from './in-flight-requests';
import type { LlmProvider } from './llm-provider.types';

export type OpenAiCompatibleProviderOptions = {
  /** Including the version prefix, e.g. https://api.openai.com/v1 or http://127.0.0.1:8080/v1. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set (local servers often need none). */
  apiKey?: string;
  model: string;
  /** Longest silence: before the first token and between tokens. */
  timeoutMs?: number;
};

// https://platform.openai.com/docs/api-reference/chat-streaming: server-sent events whose data is a
// chat.completion.chunk, then `data: [DONE]`. Some servers send `data: {"error": {...}}` mid-stream instead.
const ZChunk = z.object({
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish() }).nullish(),
      }),
    )
    .optional(),
  error: z.object({ message: z.string().optional() }).optional(),
});

/** Chat through any server implementing OpenAI's `POST /chat/completions` with `stream: true`. */
export const createOpenAiCompatibleProvider = (options: OpenAiCompatibleProviderOptions): LlmProvider => {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 120_000;
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const inFlight = createInFlightRequests();

  /** One SSE event's data: the text it adds, or whether the stream is finished. */
  const readEvent = (data: string): { text?: string; isFinished: boolean } => {
    if (data === '[DONE]') return { isFinished: true };
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', {
        message: `The OpenAI-compatible server streamed data that is not JSON: ${data.slice(0, 200)}`,
      });
    }
    const parsed = ZChunk.safeParse(json);
    if (!parsed.success) {
      throw new AppError('SERVICE_UNAVAILABLE', {
        message: `The OpenAI-compatible server streamed an unexpected object: ${data.slice(0, 200)}`,
      });
    }
    if (parsed.data.error) {
      throw new AppError('SERVICE_UNAVAILABLE', {
        message: `The OpenAI-compatible server failed while streaming: ${parsed.data.error.message ?? data.slice(0, 200)}`,
      });
    }
    const choice = parsed.data.choices?.[0];
    return { text: choice?.delta?.content ?? undefined, isFinished: false };
  };

  return {
    name: 'openai-compatible',
    model: options.model,

    async *generate(messages, generateOptions = {}) {
      const request = inFlight.start(generateOptions.signal);
      try {
        const response = await providerRequest({
          provider: 'OpenAI-compatible server',
          url: `${baseUrl}/chat/completions`,
          method: 'POST',
          headers,
          body: {
            model: generateOptions.model ?? options.model,
            messages: messages.map(({ role, content }) => ({ role, content })),
            stream: true,
            ...(generateOptions.temperature === undefined
              ? {}
              : { temperature: generateOptions.temperature }),
            ...(generateOptions.maxTokens === undefined ? {} : { max_tokens: generateOptions.maxTokens }),
          },
          signal: request.signal,
          idleTimeoutMs: timeoutMs,
        });
        let dataLines: string[] = [];
        for await (const line of response.lines()) {
          if (line.startsWith('data:')) {
            dataLines.push(line.slice(line.startsWith('data: ') ? 6 : 5));
            continue;
          }
          // A blank line ends an event; `event:`, `id:` and `:` comment lines carry nothing we need.
          if (line !== '' || dataLines.length === 0) continue;
          const event = readEvent(dataLines.join('\n'));
          dataLines = [];
          if (event.isFinished) return;
          if (event.text) yield event.text;
        }
        if (dataLines.length > 0) {
          const event = readEvent(dataLines.join('\n'));
          if (event.text) yield event.text;
          if (event.isFinished) return;
        }
        throw new AppError('SERVICE_UNAVAILABLE', {
          message: 'The OpenAI-compatible server ended the stream without `data: [DONE]`',
        });
      } finally {
        request.finish();
      }
    },

    async ping() {
      const response = await providerRequest({
        provider: 'OpenAI-compatible server',
        url: `${baseUrl}/models`,
        headers,
        idleTimeoutMs: 5_000,
      });
      await response.json();
    },

    async close() {
      inFlight.abortAll(new Error('The OpenAI-compatible provider was closed'));
    },
  };
};
