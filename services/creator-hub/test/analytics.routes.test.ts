import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  expectStatus,
  query,
  registerCreator,
  seedMember,
  seedMembers,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

/** The nearest-rank percentile of the raw values, which the histogram estimate must land within 10 % of. */
const nearestRank = (values: number[], quantile: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(quantile * sorted.length) - 1]!;
};
const expectWithinTenPercent = (actual: number | null, expected: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected) / expected).toBeLessThanOrEqual(0.1);
};

describe.each(backends())('creator hub analytics on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let owner: Creator;

  const get = async (path: string, params: Record<string, string | undefined> = {}, creator = owner) =>
    expectStatus(await http.get<Body>(`${path}${query(params)}`, { token: creator.token }), 200).body;
  const overview = (from: string, to: string, creator = owner) =>
    get('/api/hub/analytics/overview', { from, to }, creator);

  // Three days of activity (2025-05-01..03, a Thursday to a Saturday) on two channels, and activity just
  // outside them (04-30 and 05-04, 05-06) that a range must leave out. The creator's time zone is UTC.
  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    owner = await registerCreator(http, 'analytics');
    await seedMembers(server, owner.creatorId, [
      {
        email: 'early@example.com',
        createdAt: '2025-04-30T23:00:00Z',
        joinedVia: 'whatsapp',
        conversations: [
          {
            channel: 'whatsapp',
            startedAt: '2025-04-30T23:00:00Z',
            messages: [
              { direction: 'in', content: 'hi', at: '2025-04-30T23:00:00Z' },
              {
                direction: 'out',
                content: 'hello',
                at: '2025-04-30T23:00:01Z',
                responseMs: 50,
                grounded: true,
                question: 'How do I sleep better?',
              },
            ],
          },
        ],
      },
      {
        email: 'm1@example.com',
        createdAt: '2025-05-01T08:00:00Z',
        joinedVia: 'whatsapp',
        conversations: [
          {
            channel: 'whatsapp',
            startedAt: '2025-05-01T08:00:00Z',
            messages: [
              { direction: 'in', content: 'How do I sleep better?', at: '2025-05-01T08:00:00Z' },
              {
                direction: 'out',
                content: 'A regular bedtime.',
                at: '2025-05-01T08:00:01.200Z',
                responseMs: 1200,
                grounded: true,
                question: 'How do I sleep better?',
                feedback: 'up',
              },
              { direction: 'in', content: 'Can I train twice a day?', at: '2025-05-04T00:00:00Z' },
              {
                direction: 'out',
                content: 'I do not know.',
                at: '2025-05-04T00:01:40Z',
                responseMs: 100_000,
                grounded: false,
                question: 'Can I train twice a day?',
              },
            ],
          },
          {
            channel: 'widget',
            startedAt: '2025-05-03T13:00:00Z',
            messages: [
              { direction: 'in', content: 'hola', at: '2025-05-03T13:00:00Z' },
              { direction: 'out', content: '¡Hola! Soy tu coach.', at: '2025-05-03T13:00:00.300Z' },
              { direction: 'in', content: 'back next week', at: '2025-05-06T10:00:00Z' },
            ],
          },
        ],
      },
      {
        email: 'm2@example.com',
        createdAt: '2025-05-01T09:00:00Z',
        joinedVia: 'widget',
        conversations: [
          {
            channel: 'widget',
            startedAt: '2025-05-02T10:00:00Z',
            messages: [
              { direction: 'in', content: 'how to sleep better', at: '2025-05-02T10:00:00Z' },
              {
                direction: 'out',
                content: 'Not in my notes.',
                at: '2025-05-02T10:00:00.800Z',
                responseMs: 800,
                grounded: false,
                question: 'how to sleep better',
                feedback: 'down',
              },
              { direction: 'in', content: 'What should I eat before running?', at: '2025-05-02T10:01:00Z' },
              {
                direction: 'out',
                content: 'Something light.',
                at: '2025-05-02T10:01:02.500Z',
                responseMs: 2500,
                grounded: true,
                question: 'What should I eat before running?',
              },
              { direction: 'in', content: 'Sleep better tips', at: '2025-05-02T10:02:00Z' },
              {
                direction: 'out',
                content: 'Dark room.',
                at: '2025-05-02T10:02:00.400Z',
                responseMs: 400,
                grounded: true,
                question: 'Sleep better tips',
              },
            ],
          },
        ],
      },
      {
        email: 'm3@example.com',
        createdAt: '2025-05-03T12:00:00Z',
        joinedVia: 'widget',
        conversations: [
          {
            channel: 'widget',
            startedAt: '2025-05-03T12:00:00Z',
            messages: [
              { direction: 'in', content: 'Can I train twice a day?', at: '2025-05-03T12:00:00Z' },
              {
                direction: 'out',
                content: 'I do not know.',
                at: '2025-05-03T12:00:06Z',
                responseMs: 6000,
                grounded: false,
                question: 'Can I train twice a day?',
              },
            ],
          },
        ],
      },
    ]);
  });
  afterAll(async () => hub?.close());

  describe('GET /api/hub/analytics/overview', () => {
    it('counts members, conversations and messages in the range, per channel', async () => {
      const figures = await overview('2025-05-01', '2025-05-03');
      expect(figures).toMatchObject({
        from: '2025-05-01',
        to: '2025-05-03',
        timezone: 'UTC',
        activeMembers: 3,
        newMembers: 3,
        conversations: 4,
        messagesIn: 6,
        messagesOut: 6,
        feedback: { up: 1, down: 1 },
        programs: {},
      });
      expect(figures.byChannel).toEqual({
        whatsapp: { messagesIn: 1, messagesOut: 1, activeMembers: 1 },
        widget: { messagesIn: 5, messagesOut: 5, activeMembers: 3 },
      });
    });

    it('gives the share of answers without grounding, ignoring messages that answer nothing', async () => {
      expect((await overview('2025-05-01', '2025-05-03')).unansweredRate).toBe(0.4);
      expect((await overview('2025-05-04', '2025-05-04')).unansweredRate).toBe(1);
      expect((await overview('2025-06-01', '2025-06-30')).unansweredRate).toBeNull();
    });

    it('estimates p50 and p95 response times within the histogram’s 10 %', async () => {
      const inRange = [1200, 800, 2500, 400, 6000];
      const { responseTimeMs } = await overview('2025-05-01', '2025-05-03');
      expectWithinTenPercent(responseTimeMs.p50, nearestRank(inRange, 0.5));
      expectWithinTenPercent(responseTimeMs.p95, nearestRank(inRange, 0.95));
      const withEdges = [50, ...inRange, 100_000];
      const wide = await overview('2025-04-01', '2025-05-31');
      expectWithinTenPercent(wide.responseTimeMs.p50, nearestRank(withEdges, 0.5));
      expectWithinTenPercent(wide.responseTimeMs.p95, nearestRank(withEdges, 0.95));
      expect((await overview('2025-06-01', '2025-06-30')).responseTimeMs).toEqual({ p50: null, p95: null });
    });

    it('groups the same question asked in different words and counts the unanswered ones', async () => {
      const figures = await overview('2025-05-01', '2025-05-03');
      expect(figures.topQuestions).toEqual([
        { text: expect.stringMatching(/sleep better/i), count: 3, unanswered: 1, variants: 2 },
        { text: 'What should I eat before running?', count: 1, unanswered: 0, variants: 1 },
        { text: 'Can I train twice a day?', count: 1, unanswered: 1, variants: 1 },
      ]);
      expect(figures.unansweredQuestions).toEqual([
        { text: expect.stringMatching(/sleep better/i), count: 1 },
        { text: 'Can I train twice a day?', count: 1 },
      ]);
    });

    it('leaves out what happened the day before and the day after the range', async () => {
      const dayAfter = await overview('2025-05-04', '2025-05-04');
      expect(dayAfter).toMatchObject({ activeMembers: 1, newMembers: 0, messagesIn: 1, messagesOut: 1 });
      expectWithinTenPercent(dayAfter.responseTimeMs.p50, 100_000);
      expect(dayAfter.topQuestions).toEqual([
        { text: 'Can I train twice a day?', count: 1, unanswered: 1, variants: 1 },
      ]);
      const dayBefore = await overview('2025-04-30', '2025-04-30');
      expect(dayBefore).toMatchObject({ activeMembers: 1, newMembers: 1, messagesIn: 1, conversations: 1 });
      const empty = await overview('2025-06-01', '2025-06-30');
      expect(empty).toMatchObject({
        activeMembers: 0,
        newMembers: 0,
        conversations: 0,
        messagesIn: 0,
        messagesOut: 0,
        byChannel: {},
        topQuestions: [],
        unansweredQuestions: [],
        retention: { cohorts: [] },
      });
    });

    it('follows the weekly cohorts of members who joined in the range', async () => {
      // m1, m2 and m3 joined in the week of Monday 2025-04-28 and were all active that week; only m1 came
      // back the week after (05-06). The early member joined before the range.
      expect((await overview('2025-05-01', '2025-05-10')).retention).toEqual({
        cohorts: [{ week: '2025-04-28', size: 3, weeks: [1, 0.333] }],
      });
      // Weeks that have elapsed by the end of the range with nobody back count as 0.
      expect((await overview('2025-05-01', '2025-05-31')).retention).toEqual({
        cohorts: [{ week: '2025-04-28', size: 3, weeks: [1, 0.333, 0, 0, 0] }],
      });
    });

    it('defaults to the 30 days that end today', async () => {
      const figures = await get('/api/hub/analytics/overview');
      const today = new Date().toISOString().slice(0, 10);
      expect(figures.to).toBe(today);
      expect((Date.parse(figures.to) - Date.parse(figures.from)) / 86_400_000).toBe(29);
    });

    it('answers 422 when from is after to, for a range over two years, and for a malformed day', async () => {
      const cases = [
        { params: { from: '2025-05-03', to: '2025-05-01' }, path: 'query.from' },
        { params: { from: '2023-01-01', to: '2025-01-02' }, path: 'query.to' },
        { params: { from: '2025-13-01', to: '2025-05-01' }, path: 'query.from' },
      ];
      for (const { params, path } of cases) {
        const response = await http.get<Body>(`/api/hub/analytics/overview${query(params)}`, {
          token: owner.token,
        });
        expect(response.status, JSON.stringify(params)).toBe(422);
        expect(response.body.code).toBe('VALIDATION_FAILED');
        expect(response.body.errors.map((error: Body) => error.path)).toContain(path);
      }
      const twoYears = await http.get<Body>(
        `/api/hub/analytics/overview${query({ from: '2023-01-01', to: '2024-12-31' })}`,
        { token: owner.token },
      );
      expect(twoYears.status).toBe(200);
    });
  });

  describe('GET /api/hub/analytics/timeseries', () => {
    const series = (params: Record<string, string>) => get('/api/hub/analytics/timeseries', params);

    it('gives one point per day with activity, all channels summed', async () => {
      expect(await series({ metric: 'messages_in', from: '2025-05-01', to: '2025-05-04' })).toEqual({
        metric: 'messages_in',
        points: [
          { day: '2025-05-01', channel: null, value: 1 },
          { day: '2025-05-02', channel: null, value: 3 },
          { day: '2025-05-03', channel: null, value: 2 },
          { day: '2025-05-04', channel: null, value: 1 },
        ],
      });
      expect((await series({ metric: 'unanswered', from: '2025-05-01', to: '2025-05-04' })).points).toEqual([
        { day: '2025-05-02', channel: null, value: 1 },
        { day: '2025-05-03', channel: null, value: 1 },
        { day: '2025-05-04', channel: null, value: 1 },
      ]);
    });

    it('splits each day by channel', async () => {
      expect(
        (await series({ metric: 'messages_out', by: 'channel', from: '2025-05-01', to: '2025-05-04' }))
          .points,
      ).toEqual([
        { day: '2025-05-01', channel: 'whatsapp', value: 1 },
        { day: '2025-05-02', channel: 'widget', value: 3 },
        { day: '2025-05-03', channel: 'widget', value: 2 },
        { day: '2025-05-04', channel: 'whatsapp', value: 1 },
      ]);
      expect(
        (await series({ metric: 'new_members', by: 'channel', from: '2025-05-01', to: '2025-05-03' })).points,
      ).toEqual([
        { day: '2025-05-01', channel: 'whatsapp', value: 1 },
        { day: '2025-05-01', channel: 'widget', value: 1 },
        { day: '2025-05-03', channel: 'widget', value: 1 },
      ]);
    });

    it('counts distinct active members per day and per channel', async () => {
      expect(
        (await series({ metric: 'active_members', from: '2025-05-01', to: '2025-05-06' })).points,
      ).toEqual([
        { day: '2025-05-01', channel: null, value: 1 },
        { day: '2025-05-02', channel: null, value: 1 },
        { day: '2025-05-03', channel: null, value: 2 },
        { day: '2025-05-04', channel: null, value: 1 },
        { day: '2025-05-06', channel: null, value: 1 },
      ]);
      expect(
        (await series({ metric: 'active_members', by: 'channel', from: '2025-05-03', to: '2025-05-04' }))
          .points,
      ).toEqual([
        { day: '2025-05-03', channel: 'widget', value: 2 },
        { day: '2025-05-04', channel: 'whatsapp', value: 1 },
      ]);
    });

    it('answers 422 for an unknown metric or grouping', async () => {
      for (const params of [{ metric: 'revenue' }, { metric: 'messages_in', by: 'week' }, {}]) {
        const response = await http.get<Body>(`/api/hub/analytics/timeseries${query(params)}`, {
          token: owner.token,
        });
        expect(response.status, JSON.stringify(params)).toBe(422);
      }
    });
  });

  describe('GET /api/hub/analytics/response-times', () => {
    it('gives p50 and p95 per day', async () => {
      const { points } = await get('/api/hub/analytics/response-times', {
        from: '2025-05-01',
        to: '2025-05-04',
      });
      expect(points.map((point: Body) => point.day)).toEqual([
        '2025-05-01',
        '2025-05-02',
        '2025-05-03',
        '2025-05-04',
      ]);
      const expected: Record<string, number[]> = {
        '2025-05-01': [1200],
        '2025-05-02': [800, 2500, 400],
        '2025-05-03': [6000],
        '2025-05-04': [100_000],
      };
      for (const point of points as Body[]) {
        expectWithinTenPercent(point.p50, nearestRank(expected[point.day]!, 0.5));
        expectWithinTenPercent(point.p95, nearestRank(expected[point.day]!, 0.95));
      }
    });

    it('answers 422 when from is after to', async () => {
      const response = await http.get<Body>(
        `/api/hub/analytics/response-times${query({ from: '2025-05-02', to: '2025-05-01' })}`,
        { token: owner.token },
      );
      expect(response.status).toBe(422);
    });
  });

  describe('days in the creator’s time zone', () => {
    it('counts an event at 23:30 UTC on the next local day for a creator in Europe/Madrid', async () => {
      const madrid = await registerCreator(http, 'madrid');
      expectStatus(
        await http.patch<Body>('/api/hub/settings', { timezone: 'Europe/Madrid' }, { token: madrid.token }),
        200,
      );
      const utc = await registerCreator(http, 'utc');
      const lateEvening = {
        email: 'night-owl@example.com',
        createdAt: '2025-03-10T23:30:00Z',
        joinedVia: 'widget' as const,
        conversations: [
          {
            channel: 'widget' as const,
            startedAt: '2025-03-10T23:30:00Z',
            messages: [{ direction: 'in' as const, content: 'still up', at: '2025-03-10T23:30:00Z' }],
          },
        ],
      };
      await seedMember(server, madrid.creatorId, lateEvening);
      await seedMember(server, utc.creatorId, lateEvening);

      const madridNextDay = await overview('2025-03-11', '2025-03-11', madrid);
      expect(madridNextDay).toMatchObject({
        timezone: 'Europe/Madrid',
        messagesIn: 1,
        newMembers: 1,
        activeMembers: 1,
      });
      expect((await overview('2025-03-10', '2025-03-10', madrid)).messagesIn).toBe(0);
      expect(madridNextDay.retention.cohorts).toEqual([{ week: '2025-03-10', size: 1, weeks: [1] }]);

      expect((await overview('2025-03-10', '2025-03-10', utc)).messagesIn).toBe(1);
      expect((await overview('2025-03-11', '2025-03-11', utc)).messagesIn).toBe(0);

      const madridSeries = await get(
        '/api/hub/analytics/timeseries',
        { metric: 'messages_in', from: '2025-03-09', to: '2025-03-12' },
        madrid,
      );
      expect(madridSeries.points).toEqual([{ day: '2025-03-11', channel: null, value: 1 }]);
    });
  });
});
