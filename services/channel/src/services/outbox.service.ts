import { deliveriesRepository } from '@companero/channels/deliveries.repository';
import { deliverMessageJob } from '@companero/contracts/channel/jobs';
import type { JobQueue } from '@companero/db/job-queue';
import type { TenantTx } from '@companero/db/tenant';
import { identitiesRepository } from '../repositories/identities.repository';
import type { ChannelEvents, PendingEvent } from './channel-events.service';

/** Channels whose messages leave through a provider API (the rest reach clients over the WebSocket). */
export const providerChannels = new Set(['whatsapp', 'telegram']);

/**
 * Announces a stored outbound message where its member is: a `message` event for the live clients, and for
 * provider channels a delivery row plus its send job, all in the caller's transaction. A message that is
 * stored is therefore always delivered, and delivered once (the delivery is unique per message and channel).
 */
export const createOutbox = (deps: { jobs: JobQueue; events: ChannelEvents }) => ({
  async announce(
    tx: TenantTx,
    input: { memberId: string; messageId: string; channel: string; kind: 'reply' | 'proactive' | 'system' },
  ): Promise<PendingEvent[]> {
    const events = [await deps.events.recordMessage(tx, { memberId: input.memberId }, input.messageId)];
    if (providerChannels.has(input.channel)) {
      const identities = await identitiesRepository.forMember(tx, input.memberId);
      const identity = identities.find((candidate) => candidate.channel === input.channel);
      if (identity) {
        const deliveryId = await deliveriesRepository.insert(tx, {
          messageId: input.messageId,
          memberId: input.memberId,
          channel: input.channel,
          connectionId: (identity.metadata.connectionId as string | undefined) ?? null,
          externalId: identity.externalId,
          kind: input.kind,
        });
        if (deliveryId)
          await deps.jobs.send(
            deliverMessageJob,
            { creatorId: tx.creatorId, deliveryId },
            { tx, singletonKey: deliveryId },
          );
      }
    }
    return events;
  },
});

export type Outbox = ReturnType<typeof createOutbox>;
