import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { coachPersonaRepository } from '@companero/ai/coach-persona.repository';
import { widgetSettingsRepository } from '@companero/channels/widget-settings.repository';
import type { ZWidgetSessionRequest } from '@companero/contracts/channel/widget';
import type { SecretBox } from '@companero/core/crypto/secret-box';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { isTimeZone } from '@companero/core/time/time-zone';
import { recordAnalyticsEvent } from '@companero/db/analytics-events';
import { type TenantDatabase, withAppRole, withTenant } from '@companero/db/tenant';
import type { z } from 'zod';
import type { MemberTokenIssuer } from '../ports/answer-pipeline';
import { identitiesRepository } from '../repositories/identities.repository';
import { messagesRepository } from '../repositories/messages.repository';

export type WidgetSessionServiceDeps = {
  db: TenantDatabase;
  secretBox: SecretBox;
  publicUrl: string;
  issueMemberToken?: MemberTokenIssuer;
};

const sameBytes = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * Opens a widget session: only for pages on the creator's allowed origins, as the same member on every visit
 * (a visitor id kept by the browser), or across devices when the host site vouches for its signed-in user
 * with an HMAC of the user id. Answers a member token for the WebSocket.
 */
export const createWidgetSessionService = (deps: WidgetSessionServiceDeps) => {
  const ownOrigin = new URL(deps.publicUrl).origin;

  return {
    async open(
      slug: string,
      input: z.output<typeof ZWidgetSessionRequest>,
      meta: { origin?: string; ip?: string; userAgent?: string },
    ) {
      if (!deps.issueMemberToken)
        throw new AppError('SERVICE_UNAVAILABLE', { message: 'Member sign-in is not available.' });
      const creator = await withAppRole(
        deps.db,
        async (tx) =>
          (
            await tx.query<{ id: string; name: string }>('select id, name from creators where slug = $1', [
              slug,
            ])
          ).rows[0],
        { creatorSlug: slug },
      );
      if (!creator) throw notFound('creator');
      const session = await withTenant(deps.db, creator.id, async (tx) => {
        const settings = await widgetSettingsRepository.get(tx);
        const origin = meta.origin;
        if (!origin || (origin !== ownOrigin && !settings.allowedOrigins.includes(origin))) {
          throw new AppError('ORIGIN_NOT_ALLOWED', {
            message: origin
              ? `Chat sessions cannot be opened from ${origin}. The creator can allow it in Channels → Web widget.`
              : 'Widget sessions are opened by the widget in a browser (the request had no Origin).',
          });
        }
        let externalId: string;
        let visitorId = input.visitorId ?? randomBytes(18).toString('base64url');
        if (input.userId !== undefined || input.userHash !== undefined) {
          const secret = settings.identitySecret ? deps.secretBox.decrypt(settings.identitySecret) : null;
          const expected =
            secret && input.userId ? createHmac('sha256', secret).update(input.userId).digest('hex') : null;
          if (!expected || !input.userHash || !sameBytes(expected, input.userHash))
            throw new AppError('INVALID_SIGNATURE', {
              message:
                'The signed identity does not match: userHash must be the hex HMAC-SHA256 of userId with the widget identity secret.',
            });
          externalId = `user:${input.userId}`;
          visitorId = input.visitorId ?? visitorId;
        } else {
          externalId = `visitor:${visitorId}`;
        }
        await identitiesRepository.lock(tx, 'widget', externalId);
        let identity = await identitiesRepository.find(tx, 'widget', externalId);
        if (!identity) {
          const memberId = await identitiesRepository.createMember(tx, {
            name: input.name,
            email: input.email,
          });
          identity = await identitiesRepository.insert(tx, {
            memberId,
            channel: 'widget',
            externalId,
            displayName: input.name,
            metadata: { origin },
          });
          await recordAnalyticsEvent(tx, { type: 'member.joined', memberId, channel: 'widget' });
        }
        if (input.timezone && isTimeZone(input.timezone))
          await identitiesRepository.adoptTimezone(tx, identity.memberId, input.timezone);
        const conversation = await messagesRepository.openConversation(tx, identity.memberId, 'widget');
        if (conversation.isNew)
          await recordAnalyticsEvent(tx, {
            type: 'conversation.started',
            memberId: identity.memberId,
            channel: 'widget',
            conversationId: conversation.id,
          });
        const persona = await coachPersonaRepository.get(tx);
        return {
          memberId: identity.memberId,
          conversationId: conversation.id,
          visitorId,
          theme: settings.theme,
          welcomeMessage: persona.welcomeMessage,
          coachName: persona.name,
        };
      });
      const tokens = await deps.issueMemberToken(creator.id, session.memberId, meta);
      return {
        token: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresIn: tokens.expiresIn,
        ...session,
      };
    },
  };
};

export type WidgetSessionService = ReturnType<typeof createWidgetSessionService>;
