import { deliveriesRepository } from '@companero/channels/deliveries.repository';
import { deliverMessageJob, replyToMessageJob } from '@companero/contracts/channel/jobs';
import { type AnalyticsEvent, recordAnalyticsEvent } from '@companero/db/analytics-events';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import type { FastifyBaseLogger } from 'fastify';
import type { InboundMessage, InboundOutcome } from '../ports/inbound-message';
import type { InboundTextHook } from '../ports/inbound-text-hook';
import { identitiesRepository } from '../repositories/identities.repository';
import { messagesRepository } from '../repositories/messages.repository';
import type { ChannelEvents, PendingEvent } from './channel-events.service';
import type { LinkService } from './link.service';
import type { Outbox } from './outbox.service';

export type InboundServiceDeps = {
  db: TenantDatabase;
  jobs: JobQueue;
  events: ChannelEvents;
  outbox: Outbox;
  links: LinkService;
  logger: FastifyBaseLogger;
  /** Programs, habits and gamification look at every stored text (see ports/inbound-text-hook.ts). */
  onInboundText?: InboundTextHook;
  /** Runs the reply in this process right after the commit (the job then only backs it up). */
  replyNow?: (creatorId: string, messageId: string) => Promise<void>;
  /** How long the backing job waits before checking that the fast path answered. */
  fastPathGraceSeconds?: number;
  /** Fast replies generated at once; beyond it, replies go straight to the job queue (bounded CPU). */
  fastPathConcurrency?: number;
};

const buttonPayload = (inbound: InboundMessage): string | null => {
  const metadata = inbound.metadata ?? {};
  const payload = metadata.callbackData ?? metadata.buttonId ?? metadata.listId ?? metadata.buttonPayload;
  return typeof payload === 'string' ? payload : null;
};

const mediaNotice =
  "I can only read text messages for now, so I couldn't open that. Could you type your question instead?";

/**
 * The one inbound pipeline of every channel: link the sender to a member (creating one on first contact),
 * store the message once per provider id, and schedule the reply — all in one transaction, so the provider
 * can be acknowledged as soon as this returns. Commands (link codes) and content we cannot read get a system
 * answer instead of the coach's.
 */
export const createInboundService = (deps: InboundServiceDeps) => {
  const resolveMember = async (tx: TenantTx, inbound: InboundMessage, analytics: AnalyticsEvent[]) => {
    if (inbound.memberId) {
      const identity = inbound.externalId
        ? await identitiesRepository.find(tx, inbound.channel, inbound.externalId)
        : null;
      return { memberId: inbound.memberId, identityId: identity?.id ?? null, joined: false };
    }
    if (!inbound.externalId) throw new Error('An inbound message needs a memberId or an externalId');
    await identitiesRepository.lock(tx, inbound.channel, inbound.externalId);
    const existing = await identitiesRepository.find(tx, inbound.channel, inbound.externalId);
    if (existing) {
      if (inbound.connectionId && existing.metadata.connectionId !== inbound.connectionId)
        await tx.query(
          `update channel_identities set metadata = metadata || jsonb_build_object('connectionId', $2::text) where id = $1`,
          [existing.id, inbound.connectionId],
        );
      return { memberId: existing.memberId, identityId: existing.id, joined: false };
    }
    const memberId = await identitiesRepository.createMember(tx, inbound.profile ?? {});
    const identity = await identitiesRepository.insert(tx, {
      memberId,
      channel: inbound.channel,
      externalId: inbound.externalId,
      displayName: inbound.profile?.name,
      metadata: inbound.connectionId ? { connectionId: inbound.connectionId } : {},
    });
    analytics.push({ type: 'member.joined', memberId, channel: inbound.channel });
    return { memberId, identityId: identity.id, joined: true };
  };

  const fastPathLimit = deps.fastPathConcurrency ?? 2;
  let fastInFlight = 0;

  const receive = async (creatorId: string, inbound: InboundMessage): Promise<InboundOutcome> => {
    // Take a fast-path slot before storing, so the job knows whether to wait for it or to start at once.
    const fast = Boolean(deps.replyNow) && fastInFlight < fastPathLimit;
    if (fast) fastInFlight += 1;
    let fastUsed = false;
    try {
      return await store(creatorId, inbound, fast, () => {
        fastUsed = true;
      });
    } finally {
      if (fast && !fastUsed) fastInFlight -= 1;
    }
  };

  const store = async (
    creatorId: string,
    inbound: InboundMessage,
    fast: boolean,
    onFastReply: () => void,
  ): Promise<InboundOutcome> => {
    const receivedAt = new Date();
    let scheduleReply = false;
    const { outcome, events, afterCommit } = await withTenant(deps.db, creatorId, async (tx) => {
      const events: PendingEvent[] = [];
      // Recorded last: the creator's daily rollup rows are shared by every message, so their row locks are
      // held only for the moment before commit.
      const analytics: AnalyticsEvent[] = [];
      await messagesRepository.lockProviderId(tx, inbound.channel, inbound.providerMessageId);
      const previous = await messagesRepository.findByProviderId(
        tx,
        inbound.channel,
        inbound.providerMessageId,
      );
      if (previous) {
        return {
          outcome: {
            messageId: previous.id,
            memberId: previous.memberId,
            conversationId: previous.conversationId,
            duplicate: true,
          },
          events,
          afterCommit: undefined,
        };
      }
      const sender = await resolveMember(tx, inbound, analytics);
      await identitiesRepository.touchInbound(
        tx,
        sender.identityId,
        sender.memberId,
        inbound.sentAt ?? receivedAt,
      );
      const conversation = await messagesRepository.openConversation(tx, sender.memberId, inbound.channel);
      const text = inbound.text ?? `[${inbound.contentType}]`;
      const message = await messagesRepository.insertInbound(tx, {
        conversationId: conversation.id,
        memberId: sender.memberId,
        channel: inbound.channel,
        content: text,
        contentType: inbound.contentType,
        providerMessageId: inbound.providerMessageId,
        clientId: inbound.clientId,
        metadata: inbound.metadata,
      });
      if (!message) throw new Error('inbound message raced with its duplicate'); // lockProviderId prevents it
      if (conversation.isNew)
        analytics.push({
          type: 'conversation.started',
          memberId: sender.memberId,
          channel: inbound.channel,
          conversationId: conversation.id,
        });
      analytics.push({
        type: 'message.in',
        memberId: sender.memberId,
        channel: inbound.channel,
        messageId: message.id,
      });
      events.push(await deps.events.recordMessage(tx, { memberId: sender.memberId }, message.id));

      // The member wrote again: messages that waited for the WhatsApp window can go now.
      for (const deliveryId of await deliveriesRepository.waitingFor(tx, sender.memberId, inbound.channel)) {
        if (await deliveriesRepository.requeue(tx, deliveryId))
          await deps.jobs.send(
            deliverMessageJob,
            { creatorId, deliveryId },
            { tx, singletonKey: `${deliveryId}:window` },
          );
      }

      const linkAnswer =
        inbound.text === null
          ? mediaNotice
          : await deps.links.handleCommand(tx, {
              memberId: sender.memberId,
              channel: inbound.channel,
              identityId: sender.identityId,
              text: inbound.text,
              startPayload: inbound.metadata?.startPayload as string | undefined,
            });
      const program =
        linkAnswer === null && inbound.text !== null && deps.onInboundText
          ? await deps.onInboundText(tx, {
              memberId: sender.memberId,
              messageId: message.id,
              text: inbound.text,
              channel: inbound.channel,
              firstMessage:
                sender.joined || (await messagesRepository.isFirstInbound(tx, sender.memberId, message.id)),
              payload: buttonPayload(inbound),
            })
          : null;
      const systemAnswer = linkAnswer ?? program?.systemReply ?? null;
      if (systemAnswer !== null) {
        const memberId = typeof systemAnswer === 'string' ? sender.memberId : systemAnswer.memberId;
        const replyConversation =
          memberId === sender.memberId
            ? conversation.id
            : (await messagesRepository.openConversation(tx, memberId, inbound.channel)).id;
        const reply = await messagesRepository.insertOutbound(tx, {
          conversationId: replyConversation,
          memberId,
          channel: inbound.channel,
          content: typeof systemAnswer === 'string' ? systemAnswer : systemAnswer.text,
          author: 'system',
          replyToMessageId: message.id,
        });
        events.push(
          ...(await deps.outbox.announce(tx, {
            memberId,
            messageId: reply.id,
            channel: inbound.channel,
            kind: 'system',
          })),
        );
      } else if (!program?.consumed) {
        scheduleReply = true;
        await deps.jobs.send(
          replyToMessageJob,
          { creatorId, messageId: message.id },
          {
            tx,
            startAfter: fast ? (deps.fastPathGraceSeconds ?? 45) : undefined,
            singletonKey: message.id,
          },
        );
      }
      // A link code may have joined the sender into another member (and removed the sender's own record): the
      // message and its conversation count for the member it now belongs to; the sender did not "join".
      const linkedTo =
        systemAnswer !== null && typeof systemAnswer !== 'string' && systemAnswer.memberId !== sender.memberId
          ? systemAnswer.memberId
          : null;
      for (const event of analytics) {
        if (!linkedTo || !('memberId' in event) || event.memberId !== sender.memberId)
          await recordAnalyticsEvent(tx, event);
        else if (event.type !== 'member.joined')
          await recordAnalyticsEvent(tx, { ...event, memberId: linkedTo });
      }
      return {
        outcome: {
          messageId: message.id,
          memberId: sender.memberId,
          conversationId: conversation.id,
          duplicate: false,
        },
        events,
        afterCommit: program?.afterCommit,
      };
    });
    await deps.events.publishAll(events);
    await afterCommit?.().catch((error: unknown) =>
      deps.logger.warn({ err: error, creatorId }, 'after-commit work of an inbound message failed'),
    );
    if (scheduleReply && fast && deps.replyNow) {
      onFastReply();
      // Not awaited: the provider gets its 200 now; the durable job answers if this process dies first.
      deps
        .replyNow(creatorId, outcome.messageId)
        .catch((error: unknown) =>
          deps.logger.warn(
            { err: error, creatorId, messageId: outcome.messageId },
            'fast reply failed; the job will retry',
          ),
        )
        .finally(() => {
          fastInFlight -= 1;
        });
    }
    return outcome;
  };

  return { receive };
};

export type InboundService = ReturnType<typeof createInboundService>;
