import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { identitiesRepository } from '../repositories/identities.repository';
import { messagesRepository } from '../repositories/messages.repository';
import type { ChannelEvents, PendingEvent } from './channel-events.service';
import type { Outbox } from './outbox.service';

// Where a member can be reached without them writing first, best first when they have no recent channel.
const reachable = ['whatsapp', 'telegram', 'app', 'widget', 'websocket'];

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
}) => {
  const sendInTx = async (
    tx: TenantTx,
    input: { memberId: string; text: string; channel?: string; quickReplies?: string[] },
  ): Promise<{ messageId: string; channel: string; events: PendingEvent[] } | null> => {
    const identities = await identitiesRepository.forMember(tx, input.memberId);
    const channels = identities
      .map((identity) => identity.channel)
      .filter((channel) => reachable.includes(channel));
    const channel = input.channel && channels.includes(input.channel) ? input.channel : channels[0];
    if (!channel) return null;
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

  return {
    /** Inside the caller's transaction (a program step records its send with it); publish `events` after. */
    sendInTx,
    async send(
      creatorId: string,
      input: { memberId: string; text: string; channel?: string; quickReplies?: string[] },
    ) {
      const sent = await withTenant(deps.db, creatorId, (tx) => sendInTx(tx, input));
      if (sent) await deps.events.publishAll(sent.events);
      return sent ? { messageId: sent.messageId, channel: sent.channel } : null;
    },
  };
};

export type ProactiveService = ReturnType<typeof createProactiveService>;
