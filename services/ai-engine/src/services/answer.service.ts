import type { AiComponents } from '@companero/ai/ai-components.types';
import { coachPersonaRepository } from '@companero/ai/coach-persona.repository';
import { createHybridRetriever, type RetrievedChunk } from '@companero/ai/retrieval/hybrid-retriever';
import { reindexOnModelChange } from '@companero/ai/retrieval/reindex-on-model-change';
import { searchConfigFor } from '@companero/ai/retrieval/search-config';
import type { TAskResponse, TCitation } from '@companero/contracts/ai-engine/ask';
import type { MemberContext, StaffContext } from '@companero/core/auth/request-context';
import type { CacheComponents, ConversationTurn } from '@companero/core/cache/cache.types';
import { notFound } from '@companero/core/errors/app-error';
import { normalizeQuestion, recordAnalyticsEvent } from '@companero/db/analytics-events';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import type { FastifyBaseLogger } from 'fastify';
import {
  conversationsRepository,
  type MessageRow,
  type Owner,
} from '../repositories/conversations.repository';
import { composeExtractiveAnswer } from './extractive-answer';
import { buildAnswerPrompt, citedSourceNumbers } from './prompt';

export type AnswerServiceDeps = {
  db: TenantDatabase;
  ai: AiComponents;
  cache: CacheComponents;
  jobs: JobQueue;
  logger: FastifyBaseLogger;
  historyTurns?: number;
  sourceCount?: number;
};

export type AskInput = { question: string; conversationId?: string; channel?: string };
export type AskCallbacks = { onToken?: (delta: string) => void; signal?: AbortSignal };

export type StoredReplyRow = MessageRow & { citations: TCitation[]; grounded: boolean };

export type ReplyOptions = AskCallbacks & {
  /** The reply's id, chosen before generation so streamed tokens can name it. */
  replyId?: string;
  /** When the question arrived, for the response time (defaults to now). */
  receivedAt?: Date;
  /** Runs inside the transaction that stores the reply (enqueue its delivery, append channel events). */
  onReplyStored?: (tx: TenantTx, reply: StoredReplyRow) => Promise<void>;
};

const toCitation = (source: RetrievedChunk, index: number): TCitation => ({
  index,
  documentId: source.documentId,
  title: source.title,
  chunkId: source.chunkId,
  snippet: source.text.length > 280 ? `${source.text.slice(0, 277)}…` : source.text,
  headingPath: source.headingPath,
  page: source.page,
  score: Math.round(source.score * 10_000) / 10_000,
});

// Streams a finished text as word-sized deltas, so the extractive answer and the fallback feel like the rest.
const streamText = (text: string, onToken?: (delta: string) => void) => {
  if (!onToken) return;
  for (const piece of text.match(/\S+\s*|\s+/g) ?? []) onToken(piece);
};

/**
 * Answers a question from the creator's knowledge: load context → retrieve → generate with the persona (or
 * quote, without a model) → store both messages and the analytics, durable in PostgreSQL.
 */
export const createAnswerService = (deps: AnswerServiceDeps) => {
  const retriever = createHybridRetriever({
    db: deps.db,
    embedder: deps.ai.embedder,
    vectors: deps.ai.vectors,
    onModelMismatch: reindexOnModelChange(deps.jobs),
    onDenseFailure: (creatorId, error) =>
      deps.logger.warn({ err: error, creatorId }, 'vector search failed; answering from keyword search'),
  });
  const historyTurns = deps.historyTurns ?? 8;
  const sourceCount = deps.sourceCount ?? 5;

  /** Recent turns from the working memory, reloaded from PostgreSQL when it is cold (restart, Redis flush). */
  const loadHistory = async (creatorId: string, conversationId: string) => {
    const cached = await deps.cache.memory.recent(creatorId, conversationId, historyTurns).catch(() => null);
    if (cached) return cached;
    const rows = await withTenant(deps.db, creatorId, (tx) =>
      conversationsRepository.recentMessages(tx, conversationId, historyTurns),
    );
    const turns: ConversationTurn[] = rows.map((row) => ({
      role: row.direction === 'in' ? 'user' : 'assistant',
      content: row.content,
      at: new Date(row.createdAt).toISOString(),
      messageId: row.id,
    }));
    await deps.cache.memory.replace(creatorId, conversationId, turns).catch(() => {});
    return turns;
  };

  /** The answer to a stored question, as the channels and the playground receive it. */
  type StoredReply = TAskResponse & { created: boolean; memberId: string | null; channel: string };

  const existingReply = (
    reply: { id: string; content: string; citations: unknown[]; grounded: boolean | null },
    question: { conversationId: string; memberId: string | null; channel: string },
  ): StoredReply => ({
    answer: reply.content,
    citations: reply.citations as TCitation[],
    conversationId: question.conversationId,
    messageId: reply.id,
    grounded: reply.grounded ?? false,
    provider: 'stored',
    created: false,
    memberId: question.memberId,
    channel: question.channel,
  });

  /**
   * Answers a question already stored in its conversation: retrieve → generate → store the reply (its id may be
   * chosen by the caller so streamed tokens name it). Idempotent: a question gets at most one reply, so a
   * retried job or a second worker returns the stored one instead of answering twice. `onReplyStored` runs in
   * the reply's transaction (channels enqueue its delivery there, so a stored reply is always delivered).
   */
  const replyTo = async (
    creatorId: string,
    questionId: string,
    options: ReplyOptions = {},
  ): Promise<StoredReply> => {
    const startedAt = options.receivedAt?.getTime() ?? Date.now();
    const loaded = await withTenant(deps.db, creatorId, async (tx) => {
      const question = await conversationsRepository.getMessage(tx, questionId);
      if (question?.direction !== 'in') throw notFound('message');
      const stored = await conversationsRepository.replyTo(tx, questionId);
      return { question, stored, persona: await coachPersonaRepository.get(tx) };
    });
    const { question, persona } = loaded;
    if (loaded.stored) return existingReply(loaded.stored, question);
    const history = await loadHistory(creatorId, question.conversationId);

    // Retrieval, with the relevance floor deciding "grounded".
    const retrieved = await retriever.retrieve(creatorId, question.content, {
      k: sourceCount,
      searchConfig: searchConfigFor(persona.language),
    });
    const sources = retrieved.filter((chunk) => chunk.isRelevant);
    const grounded = sources.length > 0;

    // Generation.
    let answer: string;
    let usedNumbers: number[] = [];
    let provider = 'extractive';
    if (!grounded) {
      answer = persona.fallbackMessage;
      streamText(answer, options.onToken);
    } else if (deps.ai.llm) {
      provider = deps.ai.llm.name;
      const messages = buildAnswerPrompt({
        persona,
        sources,
        history: history
          .filter(
            (turn) => turn.messageId !== question.id && (turn.role === 'user' || turn.role === 'assistant'),
          )
          .map((turn) => ({ role: turn.role as 'user' | 'assistant', content: turn.content })),
        question: question.content,
      });
      answer = '';
      for await (const delta of deps.ai.llm.generate(messages, {
        temperature: persona.temperature,
        model: persona.model ?? undefined,
        signal: options.signal,
        maxTokens: 600,
      })) {
        answer += delta;
        options.onToken?.(delta);
      }
      answer = answer.trim();
      usedNumbers = citedSourceNumbers(answer, sources.length);
      // A model that forgot to cite still answered from these sources: list them rather than hide them.
      if (usedNumbers.length === 0) usedNumbers = sources.map((_, index) => index + 1);
    } else {
      const extractive = composeExtractiveAnswer({
        coachName: persona.name,
        question: question.content,
        sources,
      });
      answer = extractive.text;
      usedNumbers = extractive.used;
      streamText(answer, options.onToken);
    }
    const citations = usedNumbers.map((number) => toCitation(sources[number - 1]!, number));

    // The reply, its analytics, and the working memory.
    const responseMs = Math.max(0, Date.now() - startedAt);
    const memberId = question.memberId;
    const outcome = await withTenant(deps.db, creatorId, async (tx) => {
      // Another worker may have answered meanwhile: the unique reply key settles it.
      const raced = await conversationsRepository.replyTo(tx, questionId);
      if (raced) return { message: raced, created: false };
      const message = await conversationsRepository.insertMessage(tx, {
        id: options.replyId,
        conversationId: question.conversationId,
        memberId,
        direction: 'out',
        author: 'coach',
        content: answer,
        channel: question.channel,
        grounded,
        citations,
        responseMs,
        replyToMessageId: questionId,
      });
      await options.onReplyStored?.(tx, { ...message, citations, grounded });
      // Last: the creator's rollup rows are shared by every answer, so their locks are held only until commit.
      if (memberId) {
        await recordAnalyticsEvent(tx, {
          type: 'message.out',
          memberId,
          channel: question.channel,
          messageId: message.id,
          responseMs,
          grounded,
          question: question.content,
        });
      }
      if (!grounded) {
        const normalized = normalizeQuestion(question.content);
        if (normalized) await conversationsRepository.recordUnanswered(tx, question.content, normalized);
      }
      return { message, created: true };
    });
    if (!outcome.created) return existingReply(outcome.message, question);
    const now = new Date().toISOString();
    await deps.cache.memory
      .append(creatorId, question.conversationId, {
        role: 'user',
        content: question.content,
        at: now,
        messageId: question.id,
      })
      .catch(() => {});
    await deps.cache.memory
      .append(creatorId, question.conversationId, {
        role: 'assistant',
        content: answer,
        at: now,
        messageId: outcome.message.id,
      })
      .catch(() => {});
    return {
      answer,
      citations,
      conversationId: question.conversationId,
      messageId: outcome.message.id,
      grounded,
      provider,
      created: true,
      memberId,
      channel: question.channel,
    };
  };

  /** The playground and the app's HTTP ask: store the question, then answer it. */
  const ask = async (
    ctx: StaffContext | MemberContext,
    input: AskInput,
    callbacks: AskCallbacks = {},
  ): Promise<TAskResponse> => {
    const receivedAt = new Date();
    const isMember = ctx.actor.type === 'member';
    const owner: Owner = isMember ? { memberId: ctx.actor.id } : { accountId: ctx.actor.id };
    const channel = input.channel ?? (isMember ? 'app' : 'playground');
    const memberId = isMember ? ctx.actor.id : null;

    // The member's message, durable before any work (a crash later loses no question).
    const question = await withTenant(deps.db, ctx.creatorId, async (tx) => {
      let conversation = input.conversationId
        ? await conversationsRepository.getOwned(tx, input.conversationId, owner)
        : null;
      if (input.conversationId && !conversation) throw notFound('conversation');
      const isNew = !conversation;
      conversation ??= await conversationsRepository.create(tx, owner, channel);
      const question = await conversationsRepository.insertMessage(tx, {
        conversationId: conversation.id,
        memberId,
        direction: 'in',
        author: isMember ? 'member' : 'staff',
        content: input.question,
        channel: conversation.channel,
      });
      if (memberId) {
        if (isNew)
          await recordAnalyticsEvent(tx, {
            type: 'conversation.started',
            memberId,
            channel: conversation.channel,
            conversationId: conversation.id,
          });
        await recordAnalyticsEvent(tx, {
          type: 'message.in',
          memberId,
          channel: conversation.channel,
          messageId: question.id,
        });
      }
      return question;
    });
    const {
      created: _created,
      memberId: _memberId,
      channel: _channel,
      ...reply
    } = await replyTo(ctx.creatorId, question.id, {
      onToken: callbacks.onToken,
      signal: callbacks.signal,
      receivedAt,
    });
    return reply;
  };

  return { ask, replyTo };
};

export type AnswerService = ReturnType<typeof createAnswerService>;
