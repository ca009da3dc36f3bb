import { connectionsRepository } from '@companero/channels/connections.repository';
import type { SecretBox } from '@companero/core/crypto/secret-box';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { type IdentityRow, identitiesRepository } from '../repositories/identities.repository';
import { messagesRepository } from '../repositories/messages.repository';
import type { ChannelEvents, PendingEvent } from './channel-events.service';
import type { Outbox } from './outbox.service';

// Where a member can be reached without them writing first, best first when they have no recent channel.
const reachable = ['whatsapp', 'telegram', 'app', 'widget', 'websocket'];
// A program's channel names and the identities that serve them ("widget" also reaches a WebSocket client).
const identityChannels: Record<string, string[]> = {
  whatsapp: ['whatsapp'],
  telegram: ['telegram'],
  app: ['app'],
  widget: ['widget', 'websocket'],
};
const whatsappWindowMs = 24 * 3_600_000;

export type ProactiveInput = { memberId: string; text: string; channel?: string; quickReplies?: string[] };

export type OrderedSendResult =
  | { sent: true; messageId: string; channel: string; events: PendingEvent[] }
  | { sent: false; reason: 'no_reachable_channel' | 'outside_whatsapp_window'; tried: string[] };

/**
 * Messages the coach sends on its own (check-ins, reminders, program steps): stored in the member's
 * conversation on the chosen channel and handed to the same outbox as replies, so they are delivered once,
 * paced, retried, and shown live in the widget and the app. The channel is the one asked for when the member
 * has it, else the one they wrote on most recently.
 */
export const createProactiveService = (deps: {
  db: TenantDatabase;
  outbox: Outbox;
  events: ChannelEvents;
  secretBox?: SecretBox;
  now?: () => Date;
}) => {
  const store = async (tx: TenantTx, input: ProactiveInput, channel: string) => {
    const conversation = await messagesRepository.openConversation(tx, input.memberId, channel);
    const message = await messagesRepository.insertOutbound(tx, {
      conversationId: conversation.id,
      memberId: input.memberId,
      channel,
      content: input.text,
      author: 'coach',
      quickReplies: input.quickReplies,
    });
    const events = await deps.outbox.announce(tx, {
      memberId: input.memberId,
      messageId: message.id,
      channel,
      kind: 'proactive',
    });
    return { messageId: message.id, channel, events };
  };

  const sendInTx = async (
    tx: TenantTx,
    input: ProactiveInput,
  ): Promise<{ messageId: string; channel: string; events: PendingEvent[] } | null> => {
    const identities = await identitiesRepository.forMember(tx, input.memberId);
    const channels = identities
      .map((identity) => identity.channel)
      .filter((channel) => reachable.includes(channel));
    const channel = input.channel && channels.includes(input.channel) ? input.channel : channels[0];
    if (!channel) return null;
    return store(tx, input, channel);
  };

  /** WhatsApp may start a conversation only inside the 24-hour window or with the connection's template. */
  const whatsappOpen = async (tx: TenantTx, identity: IdentityRow) => {
    const now = deps.now?.() ?? new Date();
    if (identity.lastInboundAt && now.getTime() - identity.lastInboundAt.getTime() < whatsappWindowMs)
      return true;
    if (!deps.secretBox) return false;
    const connectionId = identity.metadata.connectionId as string | undefined;
    const connection = connectionId
      ? await connectionsRepository.get(tx, connectionId, deps.secretBox)
      : await connectionsRepository.activeFor(tx, 'whatsapp', deps.secretBox);
    return Boolean(connection && 'template' in connection.settings && connection.settings.template);
  };

  /**
   * Program sends: the first channel of `channels` (the step's preference, then the creator's order) on which
   * the member can be reached now. WhatsApp outside its window without an approved template is passed over.
   */
  const sendInTxOrdered = async (
    tx: TenantTx,
    input: { memberId: string; text: string; quickReplies?: string[]; channels: string[] },
  ): Promise<OrderedSendResult> => {
    const identities = await identitiesRepository.forMember(tx, input.memberId);
    const tried: string[] = [];
    let closedWindow = false;
    for (const wanted of input.channels) {
      if (tried.includes(wanted)) continue;
      tried.push(wanted);
      // Push has no identities yet: it reaches nobody until the member experience adds subscriptions.
      const serving = identityChannels[wanted] ?? [];
      const identity = identities.find((entry) => serving.includes(entry.channel));
      if (!identity) continue;
      if (identity.channel === 'whatsapp' && !(await whatsappOpen(tx, identity))) {
        closedWindow = true;
        continue;
      }
      return { sent: true, ...(await store(tx, input, identity.channel)) };
    }
    return { sent: false, reason: closedWindow ? 'outside_whatsapp_window' : 'no_reachable_channel', tried };
  };

  return {
    /** Inside the caller's transaction (a program step records its send with it); publish `events` after. */
    sendInTx,
    sendInTxOrdered,
    async send(creatorId: string, input: ProactiveInput) {
      const sent = await withTenant(deps.db, creatorId, (tx) => sendInTx(tx, input));
      if (sent) await deps.events.publishAll(sent.events);
      return sent ? { messageId: sent.messageId, channel: sent.channel } : null;
    },
  };
};

export type ProactiveService = ReturnType<typeof createProactiveService>;
