import { z } from 'zod';

/** Answers one stored inbound message (idempotent: a message gets at most one reply). */
export const replyToMessageJob = {
  name: 'channel-reply',
  schema: z.object({ creatorId: z.uuid(), messageId: z.uuid() }),
  // A busy lease (30 s, renewed by its holder) is retried 10, 20, 40… s later: a killed holder's question is
  // taken over within about a minute.
  options: { retryLimit: 6, retryDelay: 10, retryBackoff: true, expireInSeconds: 5 * 60 },
};

/** Sends one outbound delivery to its provider (idempotent on the delivery id). */
export const deliverMessageJob = {
  name: 'channel-deliver',
  schema: z.object({ creatorId: z.uuid(), deliveryId: z.uuid() }),
  // Retries are scheduled by the delivery service itself (backoff with jitter, Retry-After honoured).
  options: { retryLimit: 2, retryDelay: 30, expireInSeconds: 2 * 60 },
};

/** The pub/sub channel carrying one recipient's channel events (messages, tokens, typing). */
export const channelEventsTopic = (
  creatorId: string,
  recipient: { memberId: string } | { accountId: string },
) =>
  'memberId' in recipient
    ? `channel-events:creator_${creatorId}:member_${recipient.memberId}`
    : `channel-events:creator_${creatorId}:account_${recipient.accountId}`;

/** Every member's message events of one creator, for the team's live view (staff WebSocket connections). */
export const creatorFeedTopic = (creatorId: string) => `channel-events:creator_${creatorId}:staff`;
