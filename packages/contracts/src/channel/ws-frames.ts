import { z } from 'zod';
import { ZCitation } from '../ai-engine/ask';

/** Largest WebSocket frame the gateway accepts (bytes); larger frames close the socket with 1009. */
export const maxWsFrameBytes = 16 * 1024;

/** Frames a client sends on `/api/channels/ws`. */
export const ZClientFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message'),
    clientId: z.string().min(1).max(100).describe('Chosen by the client; a repeated clientId has one effect'),
    text: z.string().trim().min(1).max(4000),
  }),
  z.object({
    type: z.literal('resume'),
    lastEventId: z
      .string()
      .regex(/^\d{1,18}$/)
      .nullable()
      .optional(),
  }),
  z.object({ type: z.literal('typing') }),
  z.object({ type: z.literal('ping') }),
]);
export type TClientFrame = z.infer<typeof ZClientFrame>;

/** A message as the channel clients see it. */
export const ZChannelMessage = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    direction: z.enum(['in', 'out']),
    author: z.enum(['member', 'coach', 'staff', 'system']),
    content: z.string(),
    channel: z.string(),
    citations: z.array(ZCitation),
    grounded: z.boolean().nullable(),
    quickReplies: z.array(z.string()).describe('Suggested one-tap answers, when the coach offers them'),
    clientId: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ChannelMessage' });
export type TChannelMessage = z.infer<typeof ZChannelMessage>;

/** Frames the server sends. Events that matter carry an `eventId`; `resume` replays what came after one. */
export type TServerFrame =
  | { type: 'ready'; memberId: string | null; conversationId: string | null; lastEventId: string | null }
  | { type: 'ack'; clientId: string; messageId: string }
  | { type: 'token'; messageId: string; delta: string }
  | { type: 'message'; eventId: string; message: TChannelMessage }
  | { type: 'typing' }
  | { type: 'resumed'; lastEventId: string | null; replayed: number }
  | { type: 'pong' }
  | { type: 'error'; code: string; detail: string; clientId?: string };
