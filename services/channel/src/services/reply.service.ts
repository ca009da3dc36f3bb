import { randomUUID } from 'node:crypto';
import { coachPersonaRepository } from '@companero/ai/coach-persona.repository';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import type { FastifyBaseLogger } from 'fastify';
import type { AnswerPipeline } from '../ports/answer-pipeline';
import type { Recipient } from '../repositories/events.repository';
import { messagesRepository } from '../repositories/messages.repository';
import type { ChannelEvents, PendingEvent } from './channel-events.service';
import type { Outbox } from './outbox.service';

/** Another process holds the question's lease: the job tries again once it may have expired. */
export class ReplyInProgressError extends Error {
  constructor(messageId: string) {
    super(`The reply to ${messageId} is being generated elsewhere`);
    this.name = 'ReplyInProgressError';
  }
}

export type ReplyServiceDeps = {
  db: TenantDatabase;
  events: ChannelEvents;
  outbox: Outbox;
  logger: FastifyBaseLogger;
  /** The AI engine's answer pipeline; without it the coach answers with the creator's fallback message. */
  answers?: AnswerPipeline;
  /** Called when generation starts (Telegram shows "typing…"); failures are ignored. */
  onStart?: (creatorId: string, memberId: string, channel: string) => Promise<void>;
  /** How long a claim holds without renewal: a killed holder's question is free again after this. */
  leaseSeconds?: number;
};

/**
 * Answers one stored inbound message, at most once: a lease decides who generates, the answer pipeline's
 * unique reply key decides what is stored, and the reply's events and delivery are written in the reply's own
 * transaction. Tokens stream to the member's live clients while it is generated.
 */
export const createReplyService = (deps: ReplyServiceDeps) => {
  // Short and renewed while generating: a reply whose process was killed is taken over within one lease.
  const leaseSeconds = deps.leaseSeconds ?? 30;

  const keepLease = (creatorId: string, messageId: string) => {
    const timer = setInterval(
      () =>
        void withTenant(deps.db, creatorId, (tx) =>
          messagesRepository.renewReply(tx, messageId, leaseSeconds),
        ).catch((error) => deps.logger.warn({ err: error, messageId }, 'reply lease not renewed')),
      (leaseSeconds * 1000) / 3,
    );
    timer.unref();
    return () => clearInterval(timer);
  };

  const announce =
    (recipient: Recipient, channel: string) =>
    async (tx: Parameters<Outbox['announce']>[0], messageId: string) =>
      'memberId' in recipient
        ? deps.outbox.announce(tx, { memberId: recipient.memberId, messageId, channel, kind: 'reply' })
        : [await deps.events.recordMessage(tx, recipient, messageId)];

  const run = async (creatorId: string, messageId: string): Promise<void> => {
    const claimed = await withTenant(deps.db, creatorId, async (tx) => {
      const state = await messagesRepository.claimReply(tx, messageId, leaseSeconds);
      return { state, owner: state === 'claimed' ? await messagesRepository.owner(tx, messageId) : null };
    });
    if (claimed.state === 'answered' || claimed.state === 'missing') return;
    if (claimed.state === 'busy') throw new ReplyInProgressError(messageId);
    const owner = claimed.owner!;
    const recipient: Recipient = owner.memberId
      ? { memberId: owner.memberId }
      : { accountId: owner.accountId! };
    const announceReply = announce(recipient, owner.channel);
    await deps.events.publish(creatorId, recipient, { type: 'typing' });
    if (owner.memberId) void deps.onStart?.(creatorId, owner.memberId, owner.channel).catch(() => {});

    const replyId = randomUUID();
    let pending: PendingEvent[] = [];
    const stopRenewing = keepLease(creatorId, messageId);
    try {
      if (deps.answers) {
        await deps.answers.replyTo(creatorId, messageId, {
          replyId,
          onToken: (delta) =>
            void deps.events.publish(creatorId, recipient, { type: 'token', messageId: replyId, delta }),
          onReplyStored: async (tx, reply) => {
            pending = await announceReply(tx, reply.id);
          },
        });
      } else {
        pending = await withTenant(deps.db, creatorId, async (tx) => {
          if ((await messagesRepository.claimReply(tx, messageId, leaseSeconds)) === 'answered') return [];
          const persona = await coachPersonaRepository.get(tx);
          const question = await messagesRepository.channelMessage(tx, messageId);
          const reply = await messagesRepository.insertOutbound(tx, {
            conversationId: question!.conversationId,
            memberId: owner.memberId!,
            channel: owner.channel,
            content: persona.fallbackMessage,
            author: 'coach',
            replyToMessageId: messageId,
          });
          return announceReply(tx, reply.id);
        });
      }
    } catch (error) {
      // Let the next attempt start at once instead of waiting for the lease to expire.
      await withTenant(deps.db, creatorId, (tx) => messagesRepository.releaseReply(tx, messageId)).catch(
        () => {},
      );
      throw error;
    } finally {
      stopRenewing();
    }
    await deps.events.publishAll(pending);
  };

  return { run };
};

export type ReplyService = ReturnType<typeof createReplyService>;
