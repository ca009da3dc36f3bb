import { type AnalyticsEvent, recordAnalyticsEvent } from '@companero/db/analytics-events';
import type { Runtime } from '@companero/db/runtime';
import { type TenantTx, withTenant } from '@companero/db/tenant';

/** One exchange: what the member wrote, what the coach answered, how long it took, whether it was grounded. */
type Exchange = { question: string; answer: string; responseMs: number; grounded: boolean };

export type MemberTraffic = {
  memberId: string;
  name: string;
  channel: 'whatsapp' | 'telegram' | 'widget' | 'app';
  externalId: string;
  /** Days ago each conversation happened, newest last. */
  daysAgo: number[];
  exchanges: Exchange[];
};

const at = (daysAgo: number, minutes: number) =>
  new Date(Date.now() - daysAgo * 86_400_000 + minutes * 60_000);

const record = (tx: TenantTx, event: AnalyticsEvent, occurredAt: Date) =>
  recordAnalyticsEvent(tx, event, occurredAt);

/**
 * Writes conversations the way the channel services will once they land (identities, conversations,
 * messages, and the analytics events recorded with them), so the dashboard has a real transcript and real
 * charts to show. The channel APIs (webhooks, WebSocket) do not exist yet; this is their stand-in.
 */
export const recordChannelTraffic = async (runtime: Runtime, creatorId: string, traffic: MemberTraffic[]) => {
  await withTenant(runtime.db, creatorId, async (tx) => {
    for (const member of traffic) {
      const firstSeen = at(Math.max(...member.daysAgo), -30);
      await tx.query(
        `insert into channel_identities (creator_id, member_id, channel, external_id, display_name, created_at, last_seen_at)
         values ($1, $2, $3, $4, $5, $6, $6)`,
        [creatorId, member.memberId, member.channel, member.externalId, member.externalId, firstSeen],
      );
      let lastSeen = firstSeen;
      for (const [conversationIndex, daysAgo] of member.daysAgo.entries()) {
        const startedAt = at(daysAgo, 0);
        const {
          rows: [conversation],
        } = await tx.query<{ id: string }>(
          `insert into conversations (creator_id, member_id, channel, started_at) values ($1, $2, $3, $4) returning id`,
          [creatorId, member.memberId, member.channel, startedAt],
        );
        await record(
          tx,
          {
            type: 'conversation.started',
            memberId: member.memberId,
            channel: member.channel,
            conversationId: conversation!.id,
          },
          startedAt,
        );
        const exchanges = member.exchanges.filter(
          (_, index) => index % member.daysAgo.length === conversationIndex,
        );
        let minute = 0;
        for (const exchange of exchanges) {
          const askedAt = at(daysAgo, minute);
          const answeredAt = new Date(askedAt.getTime() + exchange.responseMs);
          minute += 3;
          const {
            rows: [question],
          } = await tx.query<{ id: string }>(
            `insert into messages (creator_id, conversation_id, member_id, direction, author, content, channel, created_at)
             values ($1, $2, $3, 'in', 'member', $4, $5, $6) returning id`,
            [creatorId, conversation!.id, member.memberId, exchange.question, member.channel, askedAt],
          );
          await record(
            tx,
            {
              type: 'message.in',
              memberId: member.memberId,
              channel: member.channel,
              messageId: question!.id,
            },
            askedAt,
          );
          const {
            rows: [answer],
          } = await tx.query<{ id: string }>(
            `insert into messages (creator_id, conversation_id, member_id, direction, author, content, channel, grounded, response_ms, created_at)
             values ($1, $2, $3, 'out', 'coach', $4, $5, $6, $7, $8) returning id`,
            [
              creatorId,
              conversation!.id,
              member.memberId,
              exchange.answer,
              member.channel,
              exchange.grounded,
              exchange.responseMs,
              answeredAt,
            ],
          );
          await record(
            tx,
            {
              type: 'message.out',
              memberId: member.memberId,
              channel: member.channel,
              messageId: answer!.id,
              responseMs: exchange.responseMs,
              grounded: exchange.grounded,
              question: exchange.question,
            },
            answeredAt,
          );
          lastSeen = answeredAt;
        }
        await tx.query(`update conversations set message_count = $2, last_message_at = $3 where id = $1`, [
          conversation!.id,
          exchanges.length * 2,
          lastSeen,
        ]);
      }
      await tx.query('update members set last_seen_at = $2 where id = $1', [member.memberId, lastSeen]);
      await tx.query('update channel_identities set last_seen_at = $2 where member_id = $1', [
        member.memberId,
        lastSeen,
      ]);
    }
  });
};
