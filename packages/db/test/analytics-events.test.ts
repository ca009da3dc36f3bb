import { randomUUID } from 'node:crypto';
import {
  latencyBucket,
  latencyBucketMidpoint,
  normalizeQuestion,
  recordAnalyticsEvent,
} from '@companero/db/analytics-events';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, rejectionMessage, type TestDatabase } from './test-database';

describe('normalizeQuestion', () => {
  it('keeps lower-case words without accents, punctuation or filler', () => {
    expect(normalizeQuestion('How do I sleep better?')).toBe('sleep better');
    expect(normalizeQuestion('¿Qué es la RESPIRACIÓN 4-7-8?')).toBe('respiracion 4 7 8');
  });

  it('groups spellings that differ only in case, accents and punctuation', () => {
    expect(normalizeQuestion('Can I fast, on  a rest-day?')).toBe(
      normalizeQuestion('can i FAST on a rest day'),
    );
  });

  it('keeps at most 24 words', () => {
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
    expect(normalizeQuestion(words).split(' ')).toHaveLength(24);
  });

  it('answers an empty string for a question made only of filler', () => {
    expect(normalizeQuestion('What is the...?')).toBe('');
  });
});

describe('latencyBucket', () => {
  it('puts four buckets in every doubling of milliseconds', () => {
    expect(latencyBucket(1)).toBe(0);
    expect(latencyBucket(2)).toBe(4);
    expect(latencyBucket(4)).toBe(8);
    expect(latencyBucket(1024)).toBe(40);
  });

  it('clamps zero, negative and huge durations into the first and last bucket', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(-50)).toBe(0);
    expect(latencyBucket(10 ** 9)).toBe(79);
  });

  it('estimates a bucket by a midpoint within about 10 % of any duration in it', () => {
    for (const ms of [3, 45, 800, 1500, 12_000, 240_000]) {
      const midpoint = latencyBucketMidpoint(latencyBucket(ms));
      expect(Math.abs(midpoint - ms) / ms).toBeLessThan(0.1);
    }
  });
});

describe.each(backends())('recordAnalyticsEvent on $name', (backend) => {
  let test: TestDatabase;
  let creatorId: string;
  let memberId: string;

  const rollup = async (metric: string) =>
    (
      await test.database.query<{ day: string; channel: string; value: number }>(
        `select to_char(day, 'YYYY-MM-DD') as day, channel, value::int as value
           from analytics_daily where creator_id = $1 and metric = $2 order by day, channel`,
        [creatorId, metric],
      )
    ).rows;

  const record = (...events: Parameters<typeof recordAnalyticsEvent>[1][]) =>
    withTenant(test.db, creatorId, async (tx) => {
      for (const event of events) await recordAnalyticsEvent(tx, event, new Date('2025-03-10T12:00:00Z'));
    });

  beforeAll(async () => {
    test = await openTestDatabase(backend);
  });
  afterAll(async () => test?.close());

  beforeEach(async () => {
    creatorId = randomUUID();
    memberId = randomUUID();
    await test.database.query(
      "insert into creators (id, name, slug, timezone) values ($1, 'Analytics', $2, 'UTC')",
      [creatorId, `analytics-${creatorId.slice(0, 8)}`],
    );
    await test.database.query("insert into members (id, creator_id, name) values ($1, $2, 'Ana')", [
      memberId,
      creatorId,
    ]);
  });

  it('appends the event with its properties and counts it in the daily rollup', async () => {
    await record(
      { type: 'member.joined', memberId, channel: 'widget' },
      { type: 'member.joined', memberId, channel: 'widget' },
    );
    const events = await test.database.query<{
      type: string;
      channel: string;
      member_id: string;
      properties: unknown;
    }>('select type, channel, member_id, properties from analytics_events where creator_id = $1', [
      creatorId,
    ]);
    expect(events.rows).toEqual([
      {
        type: 'member.joined',
        channel: 'widget',
        member_id: memberId,
        properties: { memberId, channel: 'widget' },
      },
      {
        type: 'member.joined',
        channel: 'widget',
        member_id: memberId,
        properties: { memberId, channel: 'widget' },
      },
    ]);
    expect(await rollup('new_members')).toEqual([{ day: '2025-03-10', channel: 'widget', value: 2 }]);
  });

  it('counts conversations and incoming messages per channel', async () => {
    await record(
      { type: 'conversation.started', memberId, channel: 'telegram', conversationId: randomUUID() },
      { type: 'message.in', memberId, channel: 'telegram', messageId: randomUUID() },
      { type: 'message.in', memberId, channel: 'whatsapp', messageId: randomUUID() },
    );
    expect(await rollup('conversations')).toEqual([{ day: '2025-03-10', channel: 'telegram', value: 1 }]);
    expect(await rollup('messages_in')).toEqual([
      { day: '2025-03-10', channel: 'telegram', value: 1 },
      { day: '2025-03-10', channel: 'whatsapp', value: 1 },
    ]);
  });

  it('marks a member active once per day and channel however many messages they send', async () => {
    await record(
      { type: 'message.in', memberId, channel: 'app', messageId: randomUUID() },
      { type: 'message.in', memberId, channel: 'app', messageId: randomUUID() },
      { type: 'member.active', memberId, channel: 'app' },
      { type: 'member.active', memberId, channel: 'widget' },
    );
    const days = await test.database.query<{ channel: string }>(
      'select channel from analytics_member_days where creator_id = $1 and member_id = $2 order by channel',
      [creatorId, memberId],
    );
    expect(days.rows).toEqual([{ channel: 'app' }, { channel: 'widget' }]);
    expect(await rollup('messages_in')).toEqual([{ day: '2025-03-10', channel: 'app', value: 2 }]);
  });

  it('counts answers, unanswered questions, response times and the questions asked', async () => {
    await record(
      {
        type: 'message.out',
        memberId,
        channel: 'widget',
        messageId: randomUUID(),
        responseMs: 1100,
        grounded: false,
        question: 'How do I sleep better?',
      },
      {
        type: 'message.out',
        memberId,
        channel: 'widget',
        messageId: randomUUID(),
        responseMs: 1150,
        grounded: true,
        question: 'how do i SLEEP better',
      },
      { type: 'message.out', memberId, channel: 'widget', messageId: randomUUID() },
    );
    expect(await rollup('messages_out')).toEqual([{ day: '2025-03-10', channel: 'widget', value: 3 }]);
    expect(await rollup('answers')).toEqual([{ day: '2025-03-10', channel: 'widget', value: 2 }]);
    expect(await rollup('unanswered')).toEqual([{ day: '2025-03-10', channel: 'widget', value: 1 }]);
    const latency = await test.database.query<{ bucket: number; count: number }>(
      'select bucket, count::int as count from analytics_latency_daily where creator_id = $1',
      [creatorId],
    );
    expect(latency.rows).toEqual([{ bucket: latencyBucket(1100), count: 2 }]);
    const questions = await test.database.query<{
      normalized: string;
      sample: string;
      asked: number;
      unanswered: number;
    }>(
      `select normalized, sample, asked::int as asked, unanswered::int as unanswered
         from analytics_questions_daily where creator_id = $1`,
      [creatorId],
    );
    expect(questions.rows).toEqual([
      { normalized: 'sleep better', sample: 'How do I sleep better?', asked: 2, unanswered: 1 },
    ]);
  });

  it('does not count a question made only of filler words', async () => {
    await record({
      type: 'message.out',
      memberId,
      channel: 'widget',
      messageId: randomUUID(),
      question: 'What is the?',
    });
    const questions = await test.database.query(
      'select * from analytics_questions_daily where creator_id = $1',
      [creatorId],
    );
    expect(questions.rows).toEqual([]);
  });

  it("counts feedback by rating, under 'unknown' when no channel is known", async () => {
    const messageId = randomUUID();
    await record(
      { type: 'feedback', messageId, rating: 'up' },
      { type: 'feedback', memberId, messageId, rating: 'down', channel: 'app' },
    );
    expect(await rollup('feedback_up')).toEqual([{ day: '2025-03-10', channel: 'unknown', value: 1 }]);
    expect(await rollup('feedback_down')).toEqual([{ day: '2025-03-10', channel: 'app', value: 1 }]);
    const anonymous = await test.database.query<{ member_id: string | null }>(
      "select member_id from analytics_events where creator_id = $1 and properties->>'rating' = 'up'",
      [creatorId],
    );
    expect(anonymous.rows).toEqual([{ member_id: null }]);
  });

  it("files the event under the creator's local day, not the UTC day", async () => {
    await test.database.query("update creators set timezone = 'America/Los_Angeles' where id = $1", [
      creatorId,
    ]);
    await withTenant(test.db, creatorId, (tx) =>
      recordAnalyticsEvent(tx, { type: 'member.joined', memberId }, new Date('2025-01-01T03:00:00Z')),
    );
    await test.database.query("update creators set timezone = 'Pacific/Auckland' where id = $1", [creatorId]);
    await withTenant(test.db, creatorId, (tx) =>
      recordAnalyticsEvent(tx, { type: 'member.joined', memberId }, new Date('2025-01-01T20:00:00Z')),
    );
    expect(await rollup('new_members')).toEqual([
      { day: '2024-12-31', channel: 'unknown', value: 1 },
      { day: '2025-01-02', channel: 'unknown', value: 1 },
    ]);
  });

  it('leaves neither the event nor its rollups behind when the transaction rolls back', async () => {
    const message = await rejectionMessage(
      withTenant(test.db, creatorId, async (tx) => {
        await recordAnalyticsEvent(tx, {
          type: 'message.in',
          memberId,
          channel: 'widget',
          messageId: randomUUID(),
        });
        throw new Error('message could not be stored');
      }),
    );
    expect(message).toBe('message could not be stored');
    expect(await rollup('messages_in')).toEqual([]);
    const events = await test.database.query('select 1 from analytics_events where creator_id = $1', [
      creatorId,
    ]);
    expect(events.rows).toEqual([]);
  });

  it("keeps one creator's analytics invisible to another creator's tenant", async () => {
    await record({ type: 'member.joined', memberId, channel: 'widget' });
    const otherCreatorId = randomUUID();
    await test.database.query("insert into creators (id, name, slug) values ($1, 'Other', $2)", [
      otherCreatorId,
      `other-${otherCreatorId.slice(0, 8)}`,
    ]);
    const seen = await withTenant(test.db, otherCreatorId, async (tx) => ({
      events: (await tx.query('select 1 from analytics_events')).rows.length,
      daily: (await tx.query('select 1 from analytics_daily')).rows.length,
    }));
    expect(seen).toEqual({ events: 0, daily: 0 });
  });
});
