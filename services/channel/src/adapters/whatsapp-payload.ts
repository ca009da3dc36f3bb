import { z } from 'zod';
import type { InboundMessage } from '../ports/inbound-message';

// The shapes of Meta's webhook payloads (WhatsApp Cloud API, "messages" field) that Compañero reads. Unknown
// fields pass through; unknown message types are still stored (as media we cannot read).
const ZMessage = z.looseObject({
  from: z.string().min(1).max(32),
  id: z.string().min(1).max(256),
  timestamp: z.string().regex(/^\d{1,12}$/),
  type: z.string().min(1).max(40),
  text: z.object({ body: z.string().max(65_536) }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
      list_reply: z
        .object({ id: z.string(), title: z.string(), description: z.string().optional() })
        .optional(),
    })
    .optional(),
  button: z.object({ payload: z.string().optional(), text: z.string() }).optional(),
  context: z.looseObject({ id: z.string().optional() }).optional(),
});

const ZStatus = z.looseObject({
  id: z.string().min(1).max(256),
  status: z.enum(['sent', 'delivered', 'read', 'failed', 'deleted', 'warning']),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  errors: z
    .array(
      z.looseObject({
        code: z.number().optional(),
        title: z.string().optional(),
        message: z.string().optional(),
      }),
    )
    .optional(),
});

const ZValue = z.looseObject({
  messaging_product: z.literal('whatsapp'),
  metadata: z.looseObject({ phone_number_id: z.string(), display_phone_number: z.string().optional() }),
  contacts: z
    .array(
      z.looseObject({
        wa_id: z.string(),
        profile: z.looseObject({ name: z.string().optional() }).optional(),
      }),
    )
    .optional(),
  messages: z.array(ZMessage).optional(),
  statuses: z.array(ZStatus).optional(),
});

export const ZWhatsAppWebhook = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(
      z.looseObject({
        id: z.string(),
        changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
      }),
    )
    .max(100),
});

export type WhatsAppReceipt = {
  providerMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  error: string | null;
};

/**
 * Turns one verified webhook payload into inbound messages and delivery receipts for the connection's phone
 * number. Changes for other numbers or other fields are skipped (Meta sends an app's events to one URL).
 */
export const parseWhatsAppWebhook = (
  payload: z.output<typeof ZWhatsAppWebhook>,
  phoneNumberId: string,
): { messages: Omit<InboundMessage, 'connectionId'>[]; receipts: WhatsAppReceipt[]; skipped: number } => {
  const messages: Omit<InboundMessage, 'connectionId'>[] = [];
  const receipts: WhatsAppReceipt[] = [];
  let skipped = 0;
  for (const entry of payload.entry) {
    for (const change of entry.changes) {
      const value = change.field === 'messages' ? ZValue.safeParse(change.value) : null;
      if (!value?.success || value.data.metadata.phone_number_id !== phoneNumberId) {
        skipped += 1;
        continue;
      }
      const names = new Map(
        value.data.contacts?.map((contact) => [contact.wa_id, contact.profile?.name]) ?? [],
      );
      for (const message of value.data.messages ?? []) {
        let text: string | null = null;
        let contentType: InboundMessage['contentType'] = 'other';
        if (message.type === 'text' && message.text) {
          text = message.text.body;
          contentType = 'text';
        } else if (message.type === 'interactive' && message.interactive) {
          const reply = message.interactive.button_reply ?? message.interactive.list_reply;
          if (reply) {
            text = reply.title;
            contentType = 'button';
          }
        } else if (message.type === 'button' && message.button) {
          text = message.button.text;
          contentType = 'button';
        } else if (['image', 'audio', 'video', 'document', 'sticker', 'voice'].includes(message.type)) {
          contentType = 'media';
        } else if (message.type === 'location') {
          contentType = 'location';
        }
        const name = names.get(message.from);
        messages.push({
          channel: 'whatsapp',
          externalId: message.from,
          providerMessageId: message.id,
          text: text?.trim() ? text : null,
          contentType,
          profile: { name: name ?? undefined, phone: `+${message.from}` },
          sentAt: new Date(Number(message.timestamp) * 1000),
          metadata: {
            waType: message.type,
            ...(message.interactive?.button_reply ? { buttonId: message.interactive.button_reply.id } : {}),
            ...(message.interactive?.list_reply ? { listId: message.interactive.list_reply.id } : {}),
            ...(message.button?.payload ? { buttonPayload: message.button.payload } : {}),
            ...(message.context?.id ? { inReplyTo: message.context.id } : {}),
          },
        });
      }
      for (const status of value.data.statuses ?? []) {
        if (status.status === 'deleted' || status.status === 'warning') continue;
        const error = status.errors?.[0];
        receipts.push({
          providerMessageId: status.id,
          status: status.status,
          error: error ? `${error.code ?? ''} ${error.title ?? error.message ?? ''}`.trim() : null,
        });
      }
    }
  }
  return { messages, receipts, skipped };
};
