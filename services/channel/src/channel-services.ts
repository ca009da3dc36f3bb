import type { Runtime } from '@companero/db/runtime';
import type { FastifyBaseLogger } from 'fastify';
import type { AnswerPipeline, MemberTokenIssuer } from './ports/answer-pipeline';
import type { InboundTextHook } from './ports/inbound-text-hook';
import type { ChannelSender } from './senders/channel-sender';
import { createTelegramSender } from './senders/telegram.sender';
import { createWhatsAppSender } from './senders/whatsapp.sender';
import { createChannelEvents } from './services/channel-events.service';
import { createDeliveryService } from './services/delivery.service';
import { createInboundService } from './services/inbound.service';
import { createLinkService } from './services/link.service';
import { createOutbox } from './services/outbox.service';
import { createProactiveService } from './services/proactive.service';
import { createReplyService } from './services/reply.service';
import { createWidgetSessionService } from './services/widget-session.service';

export type ChannelServiceOptions = {
  /** The AI engine's answer pipeline, when this process runs replies. */
  answers?: AnswerPipeline;
  /** Answer in the receiving process right after storing (all-in-one); otherwise only the job answers. */
  replyInProcess?: boolean;
  issueMemberToken?: MemberTokenIssuer;
  senders?: Record<string, ChannelSender>;
  /** Programs, habits and gamification on every inbound text (see ports/inbound-text-hook.ts). */
  onInboundText?: InboundTextHook;
  /** The built widget script served at /widget.js (apps/widget/dist/widget.js). */
  widgetScript?: string;
};

export const createChannelServices = (
  runtime: Runtime,
  logger: FastifyBaseLogger,
  options: ChannelServiceOptions = {},
) => {
  const events = createChannelEvents({ pubsub: runtime.cache.pubsub, logger });
  const outbox = createOutbox({ jobs: runtime.jobs, events });
  const links = createLinkService({ secretBox: runtime.secretBox });
  const senders = options.senders ?? { whatsapp: createWhatsAppSender(), telegram: createTelegramSender() };
  const deliveries = createDeliveryService({
    db: runtime.db,
    jobs: runtime.jobs,
    secretBox: runtime.secretBox,
    rateLimiter: runtime.cache.rateLimiter,
    senders,
    logger,
    maxAttempts: runtime.config.CHANNEL_DELIVERY_MAX_ATTEMPTS,
    baseDelayMs: runtime.config.CHANNEL_DELIVERY_RETRY_BASE_MS,
    maxDelayMs: runtime.config.CHANNEL_DELIVERY_RETRY_MAX_MS,
  });
  const replies = createReplyService({
    db: runtime.db,
    events,
    outbox,
    logger,
    answers: options.answers,
    onStart: (creatorId, memberId, channel) => deliveries.typing(creatorId, memberId, channel),
  });
  const inbound = createInboundService({
    db: runtime.db,
    jobs: runtime.jobs,
    events,
    outbox,
    links,
    logger,
    onInboundText: options.onInboundText,
    replyNow: options.replyInProcess
      ? (creatorId, messageId) => replies.run(creatorId, messageId)
      : undefined,
  });
  const widgetSessions = createWidgetSessionService({
    db: runtime.db,
    secretBox: runtime.secretBox,
    publicUrl: runtime.config.PUBLIC_URL,
    issueMemberToken: options.issueMemberToken,
  });
  const proactive = createProactiveService({
    db: runtime.db,
    outbox,
    events,
    secretBox: runtime.secretBox,
  });
  return { events, outbox, links, deliveries, replies, inbound, widgetSessions, senders, proactive };
};

export type ChannelServices = ReturnType<typeof createChannelServices>;
