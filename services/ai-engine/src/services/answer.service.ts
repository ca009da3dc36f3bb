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
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import type { FastifyBaseLogger } from 'fastify';
import { conversationsRepository, type Owner } from '../repositories/conversations.repository';
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

  const ask = async (
    ctx: StaffContext | MemberContext,
    input: AskInput,
    callbacks: AskCallbacks = {},
  ): Promise<TAskResponse> => {
    const startedAt = Date.now();
    const isMember = ctx.actor.type === 'member';
    const owner: Owner = isMember ? { memberId: ctx.actor.id } : { accountId: ctx.actor.id };
    const channel = input.channel ?? (isMember ? 'app' : 'playground');
    const memberId = isMember ? ctx.actor.id : null;

    // 1. The member's message, durable before any work (a crash later loses no question).
    const { conversation, persona, question } = await withTenant(deps.db, ctx.creatorId, async (tx) => {
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
      return { conversation, persona: await coachPersonaRepository.get(tx), question };
    });
    const history = await loadHistory(ctx.creatorId, conversation.id);

    // 2. Retrieval, with the relevance floor deciding "grounded".
    const retrieved = await retriever.retrieve(ctx.creatorId, input.question, {
      k: sourceCount,
      searchConfig: searchConfigFor(persona.language),
    });
    const sources = retrieved.filter((chunk) => chunk.isRelevant);
    const grounded = sources.length > 0;

    // 3. Generation.
    let answer: string;
    let usedNumbers: number[] = [];
    let provider = 'extractive';
    if (!grounded) {
      answer = persona.fallbackMessage;
      streamText(answer, callbacks.onToken);
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
        question: input.question,
      });
      answer = '';
      for await (const delta of deps.ai.llm.generate(messages, {
        temperature: persona.temperature,
        model: persona.model ?? undefined,
        signal: callbacks.signal,
        maxTokens: 600,
      })) {
        answer += delta;
        callbacks.onToken?.(delta);
      }
      answer = answer.trim();
      usedNumbers = citedSourceNumbers(answer, sources.length);
      // A model that forgot to cite still answered from these sources: list them rather than hide them.
      if (usedNumbers.length === 0) usedNumbers = sources.map((_, index) => index + 1);
    } else {
      const extractive = composeExtractiveAnswer({
        coachName: persona.name,
        question: input.question,
        sources,
      });
      answer = extractive.text;
      usedNumbers = extractive.used;
      streamText(answer, callbacks.onToken);
    }
    const citations = usedNumbers.map((number) => toCitation(sources[number - 1]!, number));

    // 4. The reply, its analytics, and the working memory.
    const responseMs = Date.now() - startedAt;
    const reply = await withTenant(deps.db, ctx.creatorId, async (tx) => {
      const message = await conversationsRepository.insertMessage(tx, {
        conversationId: conversation.id,
        memberId,
        direction: 'out',
        author: 'coach',
        content: answer,
        channel: conversation.channel,
        grounded,
        citations,
        responseMs,
      });
      if (memberId) {
        await recordAnalyticsEvent(tx, {
          type: 'message.out',
          memberId,
          channel: conversation.channel,
          messageId: message.id,
          responseMs,
          grounded,
          question: input.question,
        });
      }
      if (!grounded) {
        const normalized = normalizeQuestion(input.question);
        if (normalized) await conversationsRepository.recordUnanswered(tx, input.question, normalized);
      }
      return message;
    });
    const now = new Date().toISOString();
    await deps.cache.memory
      .append(ctx.creatorId, conversation.id, {
        role: 'user',
        content: input.question,
        at: now,
        messageId: question.id,
      })
      .catch(() => {});
    await deps.cache.memory
      .append(ctx.creatorId, conversation.id, {
        role: 'assistant',
        content: answer,
        at: now,
        messageId: reply.id,
      })
      .catch(() => {});
    return { answer, citations, conversationId: conversation.id, messageId: reply.id, grounded, provider };
  };

  return { ask };
};

export type AnswerService = ReturnType<typeof createAnswerService>;
