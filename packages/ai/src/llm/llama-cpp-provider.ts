import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type ChatHistoryItem,
  getLlama,
  LlamaChat,
  LlamaCompletion,
  LlamaLogLevel,
  resolveChatWrapper,
} from 'node-llama-cpp';
import { createInFlightRequests } from './in-flight-requests';
import type { ChatMessage, LlmProvider } from './llm-provider.types';
import { createTextChunkQueue } from './text-chunk-queue';

export type LlamaCppProviderOptions = {
  /** A GGUF model file. */
  modelPath: string;
  /**
   * CPU threads. Keep it at or below the physical cores: on a 2-core machine llama.cpp's default thread count
   * is about a thousand times slower than 1.
   */
  threads: number;
  /** Context window in tokens, capped at what the model was trained with. */
  contextSize: number;
  /** Used when a call gives no `maxTokens`. */
  defaultMaxTokens?: number;
  /**
   * `auto` (the default): the chat template when the GGUF carries one, a plain transcript otherwise.
   * `chat-template` forces node-llama-cpp's chat wrapper (resolved from the model's architecture when the file
   * has no template); `transcript` forces plain completion (for models whose template is broken).
   */
  promptFormat?: 'auto' | 'chat-template' | 'transcript';
};

const roleLabels: Record<ChatMessage['role'], string> = {
  system: 'System',
  user: 'User',
  assistant: 'Assistant',
};

/**
 * For models without a chat template (base models such as the stories260K test model): the conversation as a
 * plain transcript ending in "Assistant:", continued as text.
 */
const toTranscript = (messages: ChatMessage[]): string =>
  `${messages.map((message) => `${roleLabels[message.role]}: ${message.content}`).join('\n\n')}\n\nAssistant:`;

const toChatHistory = (messages: ChatMessage[]): ChatHistoryItem[] => [
  ...messages.map((message): ChatHistoryItem => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  }),
  { type: 'model', response: [] },
];

/**
 * A GGUF model run in-process by llama.cpp (node-llama-cpp, its prebuilt CPU or GPU binaries; it never builds
 * or downloads at run time). Models whose GGUF carries a chat template are prompted through it; models without
 * one get a plain transcript and plain completion. One generation runs at a time (one context sequence);
 * others wait their turn.
 */
export const createLlamaCppProvider = async (options: LlamaCppProviderOptions): Promise<LlmProvider> => {
  if (!existsSync(options.modelPath)) throw new Error(`LLM_MODEL_PATH: no file at ${options.modelPath}`);
  const llama = await getLlama({
    gpu: 'auto',
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
  });
  let model: Awaited<ReturnType<typeof llama.loadModel>>;
  try {
    model = await llama.loadModel({ modelPath: options.modelPath });
  } catch (error) {
    await llama.dispose();
    throw new Error(
      `llama.cpp could not load ${options.modelPath}: ${error instanceof Error ? error.message : error}`,
      {
        cause: error,
      },
    );
  }
  const context = await model.createContext({
    contextSize: Math.min(options.contextSize, model.trainContextSize),
    threads: options.threads,
    sequences: 1,
  });
  const sequence = context.getSequence();
  const hasChatTemplate = typeof model.fileInfo.metadata.tokenizer?.chat_template === 'string';
  const promptFormat = options.promptFormat ?? 'auto';
  const usesChatWrapper = promptFormat === 'chat-template' || (promptFormat === 'auto' && hasChatTemplate);
  const chatWrapper = usesChatWrapper ? resolveChatWrapper(model) : null;
  const chat = chatWrapper ? new LlamaChat({ contextSequence: sequence, chatWrapper }) : undefined;
  const completion = chat ? undefined : new LlamaCompletion({ contextSequence: sequence });
  const inFlight = createInFlightRequests();
  const defaultMaxTokens = options.defaultMaxTokens ?? 512;
  let turn: Promise<unknown> = Promise.resolve();
  let isClosed = false;

  return {
    name: 'llama-cpp',
    model: basename(options.modelPath),

    async *generate(messages, generateOptions = {}) {
      const request = inFlight.start(generateOptions.signal);
      const queue = createTextChunkQueue();
      const common = {
        signal: request.signal,
        maxTokens: generateOptions.maxTokens ?? defaultMaxTokens,
        ...(generateOptions.temperature === undefined ? {} : { temperature: generateOptions.temperature }),
        onTextChunk: (text: string) => queue.push(text),
      };
      const run = async () => {
        request.signal.throwIfAborted();
        if (chat) {
          await chat.generateResponse(toChatHistory(messages), common);
        } else {
          await completion!.generateCompletion(toTranscript(messages), {
            ...common,
            // Without a template nothing marks the end of a turn: stop where the model starts the next one.
            customStopTriggers: ['\nUser:', '\nSystem:'],
          });
        }
      };
      const generation = turn.then(run, run);
      turn = generation.catch(() => undefined);
      generation.then(
        () => queue.end(),
        (error: unknown) => queue.end(request.signal.aborted ? (request.signal.reason ?? error) : error),
      );
      try {
        yield* queue.drain();
      } finally {
        // Leaving early (break, or an exception in the consumer) stops the generation and frees the sequence.
        if (!request.signal.aborted) request.abort(new Error('The consumer stopped reading'));
        request.finish();
        await generation.catch(() => undefined);
      }
    },

    async ping() {
      if (isClosed || model.disposed) throw new Error('The llama.cpp provider is closed');
    },

    async close() {
      if (isClosed) return;
      isClosed = true;
      inFlight.abortAll(new Error('The llama.cpp provider was closed'));
      await turn;
      await llama.dispose();
    },
  };
};
