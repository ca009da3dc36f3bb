import { type TCitation, ZCitation } from '@companero/contracts/ai-engine/ask';
import { type TCoachPersona, ZCoachPersona } from '@companero/contracts/creator-hub/coach';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import type { ApiClient } from '../../api/api-client';
import { useApi } from '../../api/api-context';
import { ApiError, apiErrorFromProblem } from '../../api/api-error';
import { readEventStream } from '../../api/event-stream';
import { useCreatorScope } from '../auth/session';

export type { TCitation, TCoachPersona };

export const useCoachPersona = () => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...scope, 'coach', 'persona'],
    queryFn: ({ signal }) => api.get('/api/hub/coach', { schema: ZCoachPersona, signal }),
  });
};

export const useSaveCoachPersona = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (persona: TCoachPersona) => api.put('/api/hub/coach', persona, { schema: ZCoachPersona }),
    onSuccess: (persona) => queryClient.setQueryData([...scope, 'coach', 'persona'], persona),
  });
};

const ZTokenEvent = z.object({ delta: z.string() });
const ZDoneEvent = z.object({
  conversationId: z.uuid(),
  messageId: z.uuid(),
  grounded: z.boolean(),
  provider: z.string(),
  answer: z.string().optional(),
});
const ZErrorEvent = z.object({
  status: z.number().int().optional(),
  code: z.string().optional(),
  detail: z.string().optional(),
});

export type AskResult = z.infer<typeof ZDoneEvent> & { answer: string; citations: TCitation[] };

export type AskHandlers = {
  onToken?: (delta: string) => void;
  onCitations?: (citations: TCitation[]) => void;
  signal?: AbortSignal;
};

const cutOff = () =>
  new ApiError({
    status: 0,
    code: 'STREAM_ENDED',
    message: 'The answer was cut off before it finished. Ask again.',
  });

/**
 * Asks the coach with the answer streamed (`Accept: text/event-stream`): `token` events as the answer is
 * written, then `citations`, then `done`; an `error` event becomes the readable `ApiError` it describes.
 */
export const askStreaming = async (
  api: ApiClient,
  input: { question: string; conversationId?: string | null },
  handlers: AskHandlers = {},
): Promise<AskResult> => {
  const response = await api.openStream('POST', '/api/ai/ask', {
    body: {
      question: input.question,
      ...(input.conversationId ? { conversationId: input.conversationId } : {}),
    },
    signal: handlers.signal,
  });
  if (!response.body) throw cutOff();
  let text = '';
  let citations: TCitation[] = [];
  let done: z.infer<typeof ZDoneEvent> | null = null;
  let failure: ApiError | null = null;
  try {
    await readEventStream(response.body, (message) => {
      const data: unknown = JSON.parse(message.data);
      if (message.event === 'token') {
        const { delta } = ZTokenEvent.parse(data);
        text += delta;
        handlers.onToken?.(delta);
      } else if (message.event === 'citations') {
        citations = z.array(ZCitation).parse(data);
        handlers.onCitations?.(citations);
      } else if (message.event === 'done') {
        done = ZDoneEvent.parse(data);
      } else if (message.event === 'error') {
        const problem = ZErrorEvent.parse(data);
        failure = apiErrorFromProblem(problem.status ?? 500, { detail: problem.detail, code: problem.code });
      }
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    if (error instanceof SyntaxError || error instanceof z.ZodError) {
      console.error('The streamed answer does not match its contract', error);
      throw new ApiError({
        status: 200,
        code: 'UNEXPECTED_RESPONSE',
        message: 'The server sent an answer this page does not understand. Reload the page and try again.',
      });
    }
    throw cutOff();
  }
  const failed = failure as ApiError | null;
  if (failed) throw failed;
  const finished = done as z.infer<typeof ZDoneEvent> | null;
  if (!finished) throw cutOff();
  return { ...finished, answer: finished.answer ?? text, citations };
};

export const useAsk = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return async (input: { question: string; conversationId?: string | null }, handlers?: AskHandlers) => {
    const result = await askStreaming(api, input, handlers);
    // An answer the knowledge did not cover put the question on the Unanswered list.
    if (!result.grounded)
      void queryClient.invalidateQueries({ queryKey: [...scope, 'knowledge', 'unanswered'] });
    return result;
  };
};

export const useAnswerFeedback = () => {
  const api = useApi();
  return useMutation({
    mutationFn: ({ messageId, rating }: { messageId: string; rating: 'up' | 'down' }) =>
      api.post(`/api/ai/messages/${encodeURIComponent(messageId)}/feedback`, { rating }),
  });
};

/** The answer text in pieces: plain text and the [n] markers that cite source n. */
export type AnswerPart = { kind: 'text'; text: string } | { kind: 'citation'; index: number; text: string };

const citationMarker = /\[(\d{1,2})\]/g;

/**
 * Splits an answer on its citation markers. Only numbers that have a citation become links; a "[7]" the
 * sources do not explain stays text. Works on partial text while the answer streams.
 */
export const splitCitations = (text: string, knownIndexes: ReadonlySet<number>): AnswerPart[] => {
  const parts: AnswerPart[] = [];
  let last = 0;
  for (const match of text.matchAll(citationMarker)) {
    const index = Number(match[1]);
    if (!knownIndexes.has(index)) continue;
    const start = match.index ?? 0;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'citation', index, text: match[0] });
    last = start + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
};

/** Providers as a person reads them. */
export const providerLabels: Record<string, string> = {
  extractive: 'Quotes from your materials',
  ollama: 'Ollama',
  'openai-compatible': 'OpenAI-compatible model',
  'llama-cpp': 'Local model (llama.cpp)',
};
