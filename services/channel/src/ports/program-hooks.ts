import type { TenantTx } from '@companero/db/tenant';

/**
 * The program engine's look at every stored inbound text, inside the inbound transaction: a reply a waiting
 * program step asked for is routed to it (and `consumed`, so the coach does not also answer it), unsubscribe
 * keywords get `systemReply`, and first-message or keyword triggers enroll the member.
 */
export type ProgramInboundHook = (
  tx: TenantTx,
  input: { memberId: string; messageId: string; text: string; channel: string; firstMessage: boolean },
) => Promise<{ consumed: boolean; systemReply?: string }>;
