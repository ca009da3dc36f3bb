import type { TenantTx } from './tenant';

/**
 * What happened, for analytics. Every channel and service records through `recordAnalyticsEvent`, which
 * appends the event and updates the daily rollups in the caller's transaction (so counts never drift from
 * the events they summarise).
 */
export type AnalyticsEvent =
  | { type: 'member.joined'; memberId: string; channel?: string }
  | { type: 'member.active'; memberId: string; channel: string }
  | { type: 'conversation.started'; memberId: string; channel: string; conversationId: string }
  | { type: 'message.in'; memberId: string; channel: string; messageId: string }
  | {
      type: 'message.out';
      memberId: string;
      channel: string;
      messageId: string;
      /** Time from the member's message to this answer, when it answers one. */
      responseMs?: number;
      /** false when the coach had nothing relevant in the knowledge base (an "unanswered" question). */
      grounded?: boolean;
      /** The question this answers, for top and unanswered questions. */
      question?: string;
    }
  | { type: 'feedback'; memberId?: string; messageId: string; rating: 'up' | 'down'; channel?: string };

type Increment = { metric: string; channel: string };

// Response-time histogram: 4 buckets per doubling (≈ ±9 % resolution), from 1 ms up to ~17 minutes.
export const latencyBucket = (ms: number): number =>
  Math.max(0, Math.min(79, Math.floor(4 * Math.log2(Math.max(1, ms)))));
export const latencyBucketMidpoint = (bucket: number): number => 2 ** ((bucket + 0.5) / 4);

const stopWords = new Set([
  'a',
  'an',
  'the',
  'is',
  'are',
  'i',
  'my',
  'me',
  'to',
  'of',
  'do',
  'does',
  'can',
  'how',
  'what',
  'please',
  'el',
  'la',
  'de',
  'que',
  'y',
  'en',
  'un',
  'una',
  'es',
]);

/** Lower-case words without accents, punctuation or filler: "How do I sleep better?" → "sleep better". */
export const normalizeQuestion = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9\s]/g, ' ')
    .split(/\s+/)
    .filter((word) => word && !stopWords.has(word))
    .slice(0, 24)
    .join(' ');

const incrementsOf = (event: AnalyticsEvent): Increment[] => {
  const channel = 'channel' in event && event.channel ? event.channel : 'unknown';
  switch (event.type) {
    case 'member.joined':
      return [{ metric: 'new_members', channel }];
    case 'conversation.started':
      return [{ metric: 'conversations', channel }];
    case 'message.in':
      return [{ metric: 'messages_in', channel }];
    case 'message.out': {
      const increments = [{ metric: 'messages_out', channel }];
      if (event.grounded !== undefined) increments.push({ metric: 'answers', channel });
      if (event.grounded === false) increments.push({ metric: 'unanswered', channel });
      return increments;
    }
    case 'feedback':
      return [{ metric: event.rating === 'up' ? 'feedback_up' : 'feedback_down', channel }];
    case 'member.active':
      return [];
  }
};

export const recordAnalyticsEvent = async (
  tx: TenantTx,
  event: AnalyticsEvent,
  occurredAt: Date = new Date(),
): Promise<void> => {
  const { type, ...rest } = event;
  const memberId = 'memberId' in event ? (event.memberId ?? null) : null;
  const channel = 'channel' in event ? (event.channel ?? null) : null;
  // The creator's local day, computed by PostgreSQL from the creator's IANA time zone.
  const { rows } = await tx.query<{ day: string }>(
    `with inserted as (
       insert into analytics_events (creator_id, member_id, type, channel, occurred_at, properties)
       values ($1, $2, $3, $4, $5, $6) returning occurred_at)
     select to_char((i.occurred_at at time zone c.timezone)::date, 'YYYY-MM-DD') as day
       from inserted i join creators c on c.id = $1`,
    [tx.creatorId, memberId, type, channel, occurredAt, JSON.stringify(rest)],
  );
  const day = rows[0]?.day;
  if (!day) return;
  for (const increment of incrementsOf(event)) {
    await tx.query(
      `insert into analytics_daily (creator_id, day, channel, metric, value) values ($1, $2, $3, $4, 1)
       on conflict (creator_id, metric, day, channel) do update set value = analytics_daily.value + 1`,
      [tx.creatorId, day, increment.channel, increment.metric],
    );
  }
  const isActivity = type === 'message.in' || type === 'member.active';
  if (isActivity && memberId && channel) {
    await tx.query(
      `insert into analytics_member_days (creator_id, member_id, day, channel) values ($1, $2, $3, $4)
       on conflict do nothing`,
      [tx.creatorId, memberId, day, channel],
    );
    // The same fact as a bit of the member's year: ranges of days then count members without scanning days.
    await tx.query(
      `insert into analytics_member_activity (creator_id, member_id, channel, year, days)
       values ($1, $2, $3, extract(year from $4::date)::smallint,
               set_bit(repeat('0', 366)::bit(366), extract(doy from $4::date)::int - 1, 1))
       on conflict (creator_id, year, member_id, channel)
         do update set days = analytics_member_activity.days | excluded.days`,
      [tx.creatorId, memberId, channel, day],
    );
  }
  if (event.type === 'message.out' && event.responseMs !== undefined) {
    await tx.query(
      `insert into analytics_latency_daily (creator_id, day, channel, bucket, count) values ($1, $2, $3, $4, 1)
       on conflict (creator_id, day, channel, bucket) do update set count = analytics_latency_daily.count + 1`,
      [tx.creatorId, day, event.channel, latencyBucket(event.responseMs)],
    );
  }
  if (event.type === 'message.out' && event.question) {
    const normalized = normalizeQuestion(event.question);
    if (normalized) {
      await tx.query(
        `insert into analytics_questions_daily (creator_id, day, normalized, sample, asked, unanswered)
         values ($1, $2, $3, $4, 1, $5)
         on conflict (creator_id, day, normalized) do update
           set asked = analytics_questions_daily.asked + 1,
               unanswered = analytics_questions_daily.unanswered + excluded.unanswered`,
        [tx.creatorId, day, normalized, event.question.slice(0, 300), event.grounded === false ? 1 : 0],
      );
    }
  }
};
