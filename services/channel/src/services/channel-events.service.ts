import { channelEventsTopic, creatorFeedTopic } from '@companero/contracts/channel/jobs';
import type { TChannelMessage, TServerFrame } from '@companero/contracts/channel/ws-frames';
import type { PubSub } from '@companero/core/cache/cache.types';
import type { TenantTx } from '@companero/db/tenant';
import type { FastifyBaseLogger } from 'fastify';
import { eventsRepository, type Recipient } from '../repositories/events.repository';
import { messagesRepository } from '../repositories/messages.repository';

export type PendingEvent = { creatorId: string; recipient: Recipient; frame: TServerFrame };

/**
 * What channel clients see. Durable events (messages) are appended in the caller's transaction, so they exist
 * if and only if what they announce does, and published after the commit; live-only frames (tokens, typing)
 * are published at once. Pub/sub is at-most-once: a client that missed one catches up with `resume`.
 */
export const createChannelEvents = (deps: { pubsub: PubSub; logger: FastifyBaseLogger }) => {
  const publish = async (creatorId: string, recipient: Recipient, frame: TServerFrame) => {
    const payload = JSON.stringify(frame);
    // The team's live view sees members' stored messages, not their token streams.
    const topics =
      frame.type === 'message' && 'memberId' in recipient
        ? [channelEventsTopic(creatorId, recipient), creatorFeedTopic(creatorId)]
        : [channelEventsTopic(creatorId, recipient)];
    await Promise.all(topics.map((topic) => deps.pubsub.publish(topic, payload)))
      .then(() => undefined)
      .catch((error: unknown) =>
        deps.logger.warn(
          { err: error, creatorId },
          'channel event not published; clients will catch up on resume',
        ),
      );
  };

  return {
    publish,
    /** Appends a `message` event for a stored message; publish the returned event after the commit. */
    async recordMessage(tx: TenantTx, recipient: Recipient, messageId: string): Promise<PendingEvent> {
      const message = (await messagesRepository.channelMessage(tx, messageId)) as TChannelMessage;
      const eventId = await eventsRepository.append(tx, {
        recipient,
        type: 'message',
        payload: { message },
        conversationId: message.conversationId,
        messageId,
      });
      return { creatorId: tx.creatorId, recipient, frame: { type: 'message', eventId, message } };
    },
    async publishAll(events: PendingEvent[]) {
      for (const event of events) await publish(event.creatorId, event.recipient, event.frame);
    },
  };
};

export type ChannelEvents = ReturnType<typeof createChannelEvents>;
