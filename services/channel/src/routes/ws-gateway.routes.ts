import { channelEventsTopic, creatorFeedTopic } from '@companero/contracts/channel/jobs';
import { maxWsFrameBytes, type TServerFrame, ZClientFrame } from '@companero/contracts/channel/ws-frames';
import type { TAccessTokenClaims } from '@companero/core/auth/access-token';
import type { PubSub, Unsubscribe } from '@companero/core/cache/cache.types';
import { AppError } from '@companero/core/errors/app-error';
import type { HttpApp } from '@companero/core/http/create-http-app';
import type { TenantDatabase } from '@companero/db/tenant';
import { withTenant } from '@companero/db/tenant';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { ChannelServices } from '../channel-services';
import type { InboundChannel } from '../ports/inbound-message';
import { eventsRepository, type Recipient } from '../repositories/events.repository';
import { messagesRepository } from '../repositories/messages.repository';

export type GatewayOptions = {
  services: ChannelServices;
  db: TenantDatabase;
  pubsub: PubSub;
  heartbeatSeconds: number;
  idleTimeoutSeconds: number;
  /** Messages a connection may send per 10 seconds. */
  messagesPer10s: number;
};

const ZGatewayQuery = z.object({
  token: z.string().min(1).max(4096),
  channel: z.enum(['widget', 'app', 'websocket']).default('websocket'),
});

const replayBatch = 200;
// Event ids one connection remembers to drop duplicates (a replay overlapping the live stream).
const rememberedEventIds = 5_000;

// Close codes in the application range: the client reconnects with a fresh token (4001) or gives up (4003).
export const closeCodes = { tokenExpired: 4001, forbidden: 4003, idle: 4000, policy: 1008 } as const;

const tokenExpiry = (token: string): number | null => {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: number;
    };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
};

/**
 * `/api/channels/ws`: members chat (their messages go through the inbound pipeline; replies stream back as
 * tokens, then as a stored message), the team watches its members' messages live. Every stored event has an
 * `eventId`; `resume` replays from PostgreSQL what came after one, and live events that raced with the replay
 * are dropped by id, so a client sees each event once and in order.
 */
export const wsGatewayRoutes = async (app: HttpApp, options: GatewayOptions) => {
  await app.register(websocket, { options: { maxPayload: maxWsFrameBytes } });
  const live = new Set<WebSocket>();

  app.addHook('onClose', async () => {
    for (const socket of live) socket.close(1001, 'server shutting down');
  });

  app.get(
    '/ws',
    {
      websocket: true,
      schema: {
        tags: ['channels'],
        summary: 'The chat WebSocket (JSON frames; see the API guide)',
        querystring: ZGatewayQuery,
      },
      // Authenticated before the upgrade, so a bad token is a plain 401 problem, not an opened socket.
      preValidation: async (request) => {
        const query = ZGatewayQuery.safeParse(request.query);
        if (!query.success)
          throw new AppError('UNAUTHORIZED', { message: 'Connect with ?token=<access token>.' });
        request.claims = await app.verifyAccessToken(query.data.token);
      },
    },
    (socket, request) => {
      const claims = request.claims as TAccessTokenClaims;
      const query = ZGatewayQuery.parse(request.query);
      const creatorId = claims.cid;
      const isMember = claims.typ === 'member';
      const channel: InboundChannel = isMember ? query.channel : 'websocket';
      const recipient: Recipient = isMember ? { memberId: claims.sub } : { accountId: claims.sub };
      const log = request.log.child({ creatorId, ws: true });
      live.add(socket);

      const send = (frame: TServerFrame) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
      };

      // Live events wait while a replay runs; an event sent once (replayed, then live) is dropped by its id.
      // Not by "ids below the newest sent": transactions commit, and publish, out of id order, so a live event
      // may rightly arrive after a newer one.
      let lastSentEventId = 0n;
      let replaying = false;
      const held: TServerFrame[] = [];
      const sentEventIds = new Set<string>();
      const deliver = (frame: TServerFrame) => {
        if (frame.type === 'message') {
          if (sentEventIds.has(frame.eventId)) return;
          sentEventIds.add(frame.eventId);
          if (sentEventIds.size > rememberedEventIds)
            sentEventIds.delete(sentEventIds.values().next().value!);
          const id = BigInt(frame.eventId);
          if (id > lastSentEventId) lastSentEventId = id;
        }
        send(frame);
      };
      const onLive = (raw: string) => {
        let frame: TServerFrame;
        try {
          frame = JSON.parse(raw) as TServerFrame;
        } catch {
          return;
        }
        if (replaying) held.push(frame);
        else deliver(frame);
      };

      let unsubscribe: Unsubscribe | null = null;
      const subscribed = options.pubsub.subscribe(
        isMember ? channelEventsTopic(creatorId, recipient) : creatorFeedTopic(creatorId),
        onLive,
      );
      subscribed.then(
        (stop) => {
          if (socket.readyState === socket.CLOSED || socket.readyState === socket.CLOSING) void stop();
          else unsubscribe = stop;
        },
        (error: unknown) => {
          log.error({ err: error }, 'could not subscribe a WebSocket to its events');
          socket.close(1011, 'event stream unavailable');
        },
      );

      const resume = async (lastEventId: string | null | undefined) => {
        replaying = true;
        let replayed = 0;
        try {
          await subscribed;
          let cursor = lastEventId ?? '0';
          for (;;) {
            const rows = await withTenant(options.db, creatorId, (tx) =>
              isMember
                ? eventsRepository.after(tx, recipient, cursor, replayBatch)
                : eventsRepository.afterForCreator(tx, cursor, replayBatch),
            );
            for (const row of rows) {
              if (row.type === 'message') {
                deliver({ type: 'message', eventId: row.id, message: row.payload.message as never });
                replayed += 1;
              }
            }
            if (rows.length < replayBatch) break;
            cursor = rows.at(-1)!.id;
          }
        } finally {
          replaying = false;
          for (const frame of held.splice(0)) deliver(frame);
        }
        send({
          type: 'resumed',
          lastEventId: lastSentEventId > 0n ? String(lastSentEventId) : (lastEventId ?? null),
          replayed,
        });
      };

      // Greeting: who this is and the newest event id, so a fresh client can start from "now". Sent once the
      // subscription is live (Redis subscribes asynchronously): every event after that id reaches this socket.
      void subscribed
        .then(() =>
          withTenant(options.db, creatorId, async (tx) => ({
            conversationId: isMember
              ? await messagesRepository.latestConversation(tx, recipient, channel)
              : null,
            lastEventId: isMember ? await eventsRepository.latestId(tx, recipient) : null,
          })),
        )
        .then((state) => send({ type: 'ready', memberId: isMember ? claims.sub : null, ...state }))
        .catch((error: unknown) => log.warn({ err: error }, 'WebSocket greeting failed'));

      // Heartbeats find dead peers; the idle timer frees sockets nobody uses; tokens expire mid-connection.
      let alive = true;
      let lastActivity = Date.now();
      socket.on('pong', () => {
        alive = true;
      });
      const heartbeat = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        if (Date.now() - lastActivity > options.idleTimeoutSeconds * 1000) {
          socket.close(closeCodes.idle, 'idle');
          return;
        }
        alive = false;
        socket.ping();
      }, options.heartbeatSeconds * 1000);
      heartbeat.unref();
      const expiresAt = tokenExpiry(query.token);
      const expiry = expiresAt
        ? setTimeout(
            () => socket.close(closeCodes.tokenExpired, 'token expired'),
            Math.max(0, expiresAt - Date.now()),
          )
        : null;
      expiry?.unref();

      // A fixed window per connection; the HTTP rate limits do not see WebSocket frames.
      let windowStart = Date.now();
      let windowCount = 0;
      let violations = 0;
      const allow = () => {
        const now = Date.now();
        if (now - windowStart > 10_000) {
          windowStart = now;
          windowCount = 0;
        }
        windowCount += 1;
        return windowCount <= options.messagesPer10s;
      };

      socket.on('message', (data, isBinary) => {
        lastActivity = Date.now();
        if (isBinary) {
          send({ type: 'error', code: 'unsupported_frame', detail: 'Frames are JSON text.' });
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(data.toString());
        } catch {
          send({ type: 'error', code: 'malformed_json', detail: 'Frames are JSON objects.' });
          return;
        }
        const frame = ZClientFrame.safeParse(parsed);
        if (!frame.success) {
          send({
            type: 'error',
            code: 'invalid_frame',
            detail: frame.error.issues
              .map((issue) => `${issue.path.join('.') || 'frame'}: ${issue.message}`)
              .join('; '),
          });
          return;
        }
        const value = frame.data;
        if (value.type === 'ping') return send({ type: 'pong' });
        if (value.type === 'typing') return;
        if (value.type === 'resume') {
          void resume(value.lastEventId).catch((error: unknown) => {
            log.error({ err: error }, 'resume failed');
            send({
              type: 'error',
              code: 'resume_failed',
              detail: 'Could not replay events; reconnect to try again.',
            });
          });
          return;
        }
        if (!isMember) {
          send({
            type: 'error',
            code: 'read_only',
            detail: 'Team connections watch conversations; members write.',
            clientId: value.clientId,
          });
          return;
        }
        if (!allow()) {
          violations += 1;
          send({
            type: 'error',
            code: 'rate_limited',
            detail: 'Too many messages; wait a few seconds.',
            clientId: value.clientId,
          });
          if (violations > 20) socket.close(closeCodes.policy, 'rate limit');
          return;
        }
        void options.services.inbound
          .receive(creatorId, {
            channel,
            memberId: claims.sub,
            providerMessageId: `${claims.sub}:${value.clientId}`,
            clientId: value.clientId,
            text: value.text,
            contentType: 'text',
          })
          .then((outcome) => send({ type: 'ack', clientId: value.clientId, messageId: outcome.messageId }))
          .catch((error: unknown) => {
            log.error({ err: error }, 'could not store a WebSocket message');
            send({
              type: 'error',
              code: 'not_stored',
              detail: 'The message was not stored; send it again.',
              clientId: value.clientId,
            });
          });
      });

      socket.on('close', () => {
        live.delete(socket);
        clearInterval(heartbeat);
        if (expiry) clearTimeout(expiry);
        if (unsubscribe) void unsubscribe();
      });
      socket.on('error', (error) => log.debug({ err: error }, 'WebSocket error'));
    },
  );
};
