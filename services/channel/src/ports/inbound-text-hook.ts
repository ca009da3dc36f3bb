import type { TenantTx } from '@companero/db/tenant';

/**
 * What the rest of the platform does with a member's stored inbound text, inside the inbound transaction
 * (wired in apps/server): the program engine routes a reply to the step that asked for it and handles
 * unsubscribe keywords and triggers; habits record a check-in ("did my run", a Done ✅ button); gamification
 * counts a first message. `consumed` means the coach should not also answer it; `systemReply` answers it
 * instead; `afterCommit` runs once the transaction committed (live events of what it recorded).
 */
export type InboundTextHook = (
  tx: TenantTx,
  input: {
    memberId: string;
    messageId: string;
    text: string;
    channel: string;
    firstMessage: boolean;
    /** A button's payload (Telegram callback data, WhatsApp reply id or template payload). */
    payload?: string | null;
  },
) => Promise<{ consumed: boolean; systemReply?: string; afterCommit?: () => Promise<void> }>;
