import { randomInt } from 'node:crypto';
import type { ChannelConnection } from '@companero/channels/connection-types';
import { connectionsRepository } from '@companero/channels/connections.repository';
import { type DeliveryRow, deliveriesRepository } from '@companero/channels/deliveries.repository';
import { ProviderError } from '@companero/channels/provider-error';
import { deliverMessageJob } from '@companero/contracts/channel/jobs';
import type { RateLimiter } from '@companero/core/cache/cache.types';
import type { SecretBox } from '@companero/core/crypto/secret-box';
import type { JobQueue } from '@companero/db/job-queue';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import type { FastifyBaseLogger } from 'fastify';
import { identitiesRepository } from '../repositories/identities.repository';
import { messagesRepository } from '../repositories/messages.repository';
import type { ChannelSender, OutboundPayload } from '../senders/channel-sender';
import { providerChannels } from './outbox.service';

export type DeliveryServiceDeps = {
  db: TenantDatabase;
  jobs: JobQueue;
  secretBox: SecretBox;
  rateLimiter: RateLimiter;
  senders: Record<string, ChannelSender>;
  logger: FastifyBaseLogger;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
};

/** Exponential backoff with "equal jitter": half the step fixed, half random, so retries never align. */
export const backoffDelayMs = (attempt: number, baseMs: number, maxMs: number): number => {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + randomInt(0, Math.max(1, Math.floor(step / 2))));
};

type Plan =
  | { kind: 'done' }
  | { kind: 'send'; connection: ChannelConnection; payload: OutboundPayload; delivery: DeliveryRow };

/**
 * The outbound queue: one job per delivery, sent at most once. An attempt is marked `sending` before the
 * provider call and `sent` after it; a job that finds a delivery still `sending` (its process died during the
 * call) cannot know whether the provider got it, so it parks it in the dead letters for the creator to retry
 * rather than risk sending it twice. Provider throttling and outages are retried with backoff and jitter
 * (honouring Retry-After); permanent refusals go straight to the dead letters.
 */
export const createDeliveryService = (deps: DeliveryServiceDeps) => {
  const maxAttempts = deps.maxAttempts ?? 8;
  const baseDelayMs = deps.baseDelayMs ?? 5_000;
  const maxDelayMs = deps.maxDelayMs ?? 60 * 60_000;

  const schedule = (tx: TenantTx, deliveryId: string, at: Date) =>
    deps.jobs.send(deliverMessageJob, { creatorId: tx.creatorId, deliveryId }, { tx, startAfter: at });

  /** The connection the member wrote through (a creator may run two bots), else the creator's active one. */
  const connectionFor = async (tx: TenantTx, channel: string, connectionId: string | null) => {
    const byId = connectionId ? await connectionsRepository.get(tx, connectionId, deps.secretBox) : null;
    if (byId && byId.status !== 'disabled') return byId;
    return connectionsRepository.activeFor(tx, channel as 'whatsapp' | 'telegram', deps.secretBox);
  };

  /** Outside the window without a template: another provider channel of the member, or wait for them. */
  const reroute = async (tx: TenantTx, delivery: DeliveryRow): Promise<void> => {
    const identities = await identitiesRepository.forMember(tx, delivery.memberId);
    for (const identity of identities) {
      const sender = deps.senders[identity.channel];
      if (identity.channel === delivery.channel || !providerChannels.has(identity.channel) || !sender)
        continue;
      if (sender.windowHours) continue;
      const deliveryId = await deliveriesRepository.insert(tx, {
        messageId: delivery.messageId,
        memberId: delivery.memberId,
        channel: identity.channel,
        connectionId: (identity.metadata.connectionId as string | undefined) ?? null,
        externalId: identity.externalId,
        kind: delivery.kind,
      });
      if (deliveryId) await schedule(tx, deliveryId, new Date());
      await deliveriesRepository.setFinal(
        tx,
        delivery.id,
        'cancelled',
        `Outside the ${delivery.channel} messaging window: sent on ${identity.channel} instead.`,
      );
      return;
    }
    await deliveriesRepository.setFinal(
      tx,
      delivery.id,
      'waiting',
      `Outside the ${delivery.channel} 24-hour window and no approved template: waiting for the member to write again.`,
    );
    await messagesRepository.setStatus(tx, delivery.messageId, 'waiting');
  };

  const plan = (creatorId: string, deliveryId: string): Promise<Plan> =>
    withTenant(deps.db, creatorId, async (tx) => {
      const delivery = await deliveriesRepository.getForUpdate(tx, deliveryId);
      if (!delivery || !['pending', 'failed'].includes(delivery.status)) {
        if (delivery?.status === 'sending') {
          await deliveriesRepository.setFinal(
            tx,
            delivery.id,
            'dead',
            'The process stopped while the provider was being called, so it is unknown whether the message arrived. It was not resent, to avoid a duplicate; retry it if it did not arrive.',
          );
          await messagesRepository.setStatus(tx, delivery.messageId, 'failed');
        }
        return { kind: 'done' };
      }
      const sender = deps.senders[delivery.channel];
      const connection = await connectionFor(tx, delivery.channel, delivery.connectionId);
      if (!sender || !connection) {
        await deliveriesRepository.setFinal(
          tx,
          delivery.id,
          'dead',
          `No active ${delivery.channel} connection.`,
        );
        await messagesRepository.setStatus(tx, delivery.messageId, 'failed');
        return { kind: 'done' };
      }
      let useTemplate = false;
      if (sender.windowHours) {
        const identity = await identitiesRepository.find(tx, delivery.channel, delivery.externalId);
        const lastInbound = identity?.lastInboundAt?.getTime() ?? 0;
        if (Date.now() - lastInbound > sender.windowHours * 3_600_000) {
          if (sender.canSendOutsideWindow?.(connection)) useTemplate = true;
          else {
            await reroute(tx, delivery);
            return { kind: 'done' };
          }
        }
      }
      for (const rule of sender.pacing(connection, delivery.externalId)) {
        const decision = await deps.rateLimiter.consume(rule.key, {
          limit: rule.limit,
          windowMs: rule.windowMs,
        });
        if (!decision.allowed) {
          const at = new Date(Date.now() + Math.max(50, decision.retryAfterMs));
          await deliveriesRepository.markDeferred(tx, delivery.id, at);
          await schedule(tx, delivery.id, at);
          return { kind: 'done' };
        }
      }
      await deliveriesRepository.markSending(tx, delivery.id);
      return {
        kind: 'send',
        connection,
        delivery: { ...delivery, attempts: delivery.attempts + 1 },
        payload: {
          externalId: delivery.externalId,
          text: delivery.content,
          quickReplies: delivery.quickReplies,
          useTemplate,
        },
      };
    });

  const deliver = async (creatorId: string, deliveryId: string): Promise<void> => {
    const next = await plan(creatorId, deliveryId);
    if (next.kind === 'done') return;
    const { delivery, connection } = next;
    let providerMessageId: string | null;
    try {
      ({ providerMessageId } = await deps.senders[delivery.channel]!.send(connection, next.payload));
    } catch (error) {
      const failure =
        error instanceof ProviderError
          ? error
          : new ProviderError((error as Error).message, { retryable: true, cause: error });
      await withTenant(deps.db, creatorId, async (tx) => {
        if (failure.retryable && delivery.attempts < maxAttempts) {
          const wait = Math.max(
            backoffDelayMs(delivery.attempts, baseDelayMs, maxDelayMs),
            failure.retryAfterMs ?? 0,
          );
          const at = new Date(Date.now() + wait);
          await deliveriesRepository.markRetry(tx, delivery.id, failure.message, at);
          await schedule(tx, delivery.id, at);
        } else {
          await deliveriesRepository.setFinal(tx, delivery.id, 'dead', failure.message);
          await messagesRepository.setStatus(tx, delivery.messageId, 'failed');
          if (failure.status === 401)
            await connectionsRepository.recordError(tx, connection.id, failure.message);
        }
      });
      deps.logger.warn(
        {
          creatorId,
          deliveryId,
          channel: delivery.channel,
          attempt: delivery.attempts,
          retryable: failure.retryable,
          err: failure.message,
        },
        'outbound delivery failed',
      );
      return;
    }
    // The provider has the message: a failure to record that is not a failed send (retrying it would send it
    // twice). It propagates, the delivery stays `sending`, and the job's retry parks it as outcome unknown.
    await withTenant(deps.db, creatorId, async (tx) => {
      await deliveriesRepository.markSent(tx, delivery.id, providerMessageId);
      if (providerMessageId)
        await messagesRepository.setProviderId(tx, delivery.messageId, providerMessageId);
      else await messagesRepository.setStatus(tx, delivery.messageId, 'sent');
      await connectionsRepository.recordEvent(tx, connection.id);
    });
  };

  return {
    deliver,
    /** The creator's retry of a dead letter (or a waiting message): back to the queue, attempts reset. */
    async retry(tx: TenantTx, deliveryId: string): Promise<boolean> {
      if (!(await deliveriesRepository.requeue(tx, deliveryId))) return false;
      await schedule(tx, deliveryId, new Date());
      return true;
    },
    /** "typing…" on the member's provider channel while a reply is generated. */
    async typing(creatorId: string, memberId: string, channel: string): Promise<void> {
      const sender = deps.senders[channel];
      if (!sender?.typing) return;
      const target = await withTenant(deps.db, creatorId, async (tx) => {
        const identity = (await identitiesRepository.forMember(tx, memberId)).find(
          (item) => item.channel === channel,
        );
        if (!identity) return null;
        const connection = await connectionFor(
          tx,
          channel,
          (identity.metadata.connectionId as string | undefined) ?? null,
        );
        return connection ? { identity, connection } : null;
      });
      if (target) await sender.typing(target.connection, target.identity.externalId).catch(() => {});
    },
  };
};

export type DeliveryService = ReturnType<typeof createDeliveryService>;
