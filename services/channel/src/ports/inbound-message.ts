/** Channels a member can write from. */
export type InboundChannel = 'widget' | 'whatsapp' | 'telegram' | 'app' | 'websocket';

/**
 * One message from a member, whatever the channel, after its adapter verified and parsed it. The pipeline
 * links it to a member, stores it once (deduplicated on `providerMessageId`) and schedules the reply.
 */
export type InboundMessage = {
  channel: InboundChannel;
  /** WhatsApp/Telegram: the connection the webhook came through. */
  connectionId?: string;
  /** The member, when the sender is already authenticated (widget or app token). */
  memberId?: string;
  /** How the channel names the sender (wa_id, Telegram chat id, widget visitor); with `memberId` absent. */
  externalId?: string;
  /** The provider's id for this message (wamid, `update_id`, the client's id): one effect per id. */
  providerMessageId: string;
  /** The text the member sent; null for content we do not understand yet (images, voice notes…). */
  text: string | null;
  contentType: 'text' | 'button' | 'media' | 'location' | 'other';
  /** Set by a WebSocket client to match its optimistic bubble. */
  clientId?: string;
  profile?: { name?: string; phone?: string; email?: string; locale?: string };
  /** When the provider says it was sent (for response times and the WhatsApp window). */
  sentAt?: Date;
  metadata?: Record<string, unknown>;
};

export type InboundOutcome = {
  messageId: string;
  memberId: string;
  conversationId: string;
  /** The same provider id was seen before: nothing new was stored or scheduled. */
  duplicate: boolean;
};
