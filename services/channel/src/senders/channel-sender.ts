import type { ChannelConnection } from '@companero/channels/connection-types';

export type OutboundPayload = {
  /** The member's id on the provider (wa_id, Telegram chat id). */
  externalId: string;
  text: string;
  quickReplies: string[];
  /** Outside the customer-service window: send the connection's approved template instead of free text. */
  useTemplate?: boolean;
};

export type PacingRule = { key: string; limit: number; windowMs: number };

/** What a provider channel needs to send: the call itself, its pacing rules, and its messaging window. */
export type ChannelSender = {
  send(
    connection: ChannelConnection,
    payload: OutboundPayload,
  ): Promise<{ providerMessageId: string | null }>;
  pacing(connection: ChannelConnection, externalId: string): PacingRule[];
  /** Free-form messages are allowed only this long after the member's last message (WhatsApp: 24 h). */
  windowHours?: number;
  /** Whether the connection can still reach the member outside the window (an approved template). */
  canSendOutsideWindow?(connection: ChannelConnection): boolean;
  /** Shows "typing…" while a reply is generated; best effort. */
  typing?(connection: ChannelConnection, externalId: string): Promise<void>;
};
