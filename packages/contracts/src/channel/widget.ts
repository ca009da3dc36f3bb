import { z } from 'zod';
import { ZChannelMessage } from './ws-frames';

export const ZWidgetTheme = z
  .object({
    primaryColor: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'a colour such as #4f46e5')
      .default('#4f46e5'),
    position: z.enum(['bottom-right', 'bottom-left']).default('bottom-right'),
    title: z.string().trim().min(1).max(60).default('Chat with your coach'),
    avatarUrl: z.url().max(2000).nullable().default(null),
    greeting: z.string().trim().max(500).default('Hi! Ask me anything.'),
  })
  .meta({ id: 'WidgetTheme' });
export type TWidgetTheme = z.infer<typeof ZWidgetTheme>;

/** `PUT /api/hub/channels/widget`. */
export const ZWidgetSettingsInput = z.object({
  theme: ZWidgetTheme,
  allowedOrigins: z
    .array(
      z
        .string()
        .trim()
        .regex(/^https?:\/\/[^/\s]+$/, 'an origin such as https://example.com (scheme, host, optional port)'),
    )
    .max(50)
    .describe('Pages on these origins may open widget sessions; empty allows none'),
});

export const ZWidgetSettings = z
  .object({
    theme: ZWidgetTheme,
    allowedOrigins: z.array(z.string()),
    identityVerification: z
      .boolean()
      .describe('Whether a widget identity secret exists (it is never returned)'),
    embedCode: z.string(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'WidgetSettings' });

/** `POST /api/channels/widget/{creatorSlug}/sessions`. */
export const ZWidgetSessionRequest = z.object({
  visitorId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional()
    .describe('The id the widget keeps for this browser; a new one is made when absent'),
  userId: z.string().min(1).max(200).optional().describe("The host site's id for its signed-in user"),
  userHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe('hex HMAC-SHA256 of userId with the widget identity secret, computed on the host site server'),
  name: z.string().trim().max(120).optional(),
  email: z.email().optional(),
  timezone: z
    .string()
    .max(64)
    .optional()
    .describe("The browser's IANA time zone; becomes the member's when they have none (ignored if unknown)"),
});

export const ZWidgetSessionResponse = z.object({
  token: z.string().describe('A member access token for the WebSocket and /api/me'),
  refreshToken: z.string(),
  expiresIn: z.number().int(),
  memberId: z.uuid(),
  visitorId: z.string(),
  conversationId: z.uuid(),
  theme: ZWidgetTheme,
  welcomeMessage: z.string(),
  coachName: z.string(),
});

/** `GET /api/channels/messages` (member or staff token): the caller's conversation history, oldest first. */
export const ZChannelHistory = z.object({
  conversationId: z.uuid().nullable(),
  items: z.array(ZChannelMessage.extend({ eventId: z.string().nullable() })),
  lastEventId: z.string().nullable(),
});
