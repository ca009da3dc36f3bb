import type { analyticsMetrics, TAnalyticsOverview } from '@companero/contracts/creator-hub/analytics';
import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError } from '@companero/core/errors/app-error';
import { latencyBucketMidpoint } from '@companero/db/analytics-events';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { analyticsRepository, type DayRange } from '../repositories/analytics.repository';

const dayMs = 86_400_000;
const maxRangeDays = 731;

const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);

/** p-quantile of a log-bucketed histogram, as the bucket's geometric midpoint (±9 %). */
export const percentileFromBuckets = (
  buckets: { bucket: number; count: number }[],
  quantile: number,
): number | null => {
  const total = buckets.reduce((sum, entry) => sum + entry.count, 0);
  if (total === 0) return null;
  const target = quantile * total;
  let seen = 0;
  for (const entry of [...buckets].sort((a, b) => a.bucket - b.bucket)) {
    seen += entry.count;
    if (seen >= target) return Math.round(latencyBucketMidpoint(entry.bucket));
  }
  return null;
};

const words = (text: string) => new Set(text.split(' ').filter(Boolean));
const jaccard = (a: Set<string>, b: Set<string>) => {
  let shared = 0;
  for (const word of a) if (b.has(word)) shared += 1;
  return shared / (a.size + b.size - shared || 1);
};

/**
 * Groups similar questions ("how to sleep better" ~ "sleep better tips"): greedy clustering by word-set
 * similarity, most-asked first, each group named after its most-asked phrasing.
 */
export const groupQuestions = (
  rows: { normalized: string; sample: string; asked: number; unanswered: number }[],
  threshold = 0.5,
) => {
  const groups: { text: string; words: Set<string>; count: number; unanswered: number; variants: number }[] =
    [];
  for (const row of rows) {
    const rowWords = words(row.normalized);
    const group = groups.find((candidate) => jaccard(candidate.words, rowWords) >= threshold);
    if (group) {
      group.count += row.asked;
      group.unanswered += row.unanswered;
      group.variants += 1;
    } else {
      groups.push({
        text: row.sample,
        words: rowWords,
        count: row.asked,
        unanswered: row.unanswered,
        variants: 1,
      });
    }
  }
  return groups.map(({ words: _words, ...group }) => group);
};

export const createAnalyticsService = (deps: { db: TenantDatabase }) => {
  /** The creator-local day range, validated: from ≤ to, at most two years. */
  const resolveRange = async (
    tx: Parameters<typeof analyticsRepository.today>[0],
    query: { from?: string; to?: string },
  ) => {
    const timezone = await analyticsRepository.creatorTimezone(tx);
    const to = query.to ?? (await analyticsRepository.today(tx, timezone));
    const from = query.from ?? addDays(to, -29);
    const errors = [];
    if (from > to) errors.push({ path: 'query.from', message: '`from` must not be after `to`' });
    if ((Date.parse(to) - Date.parse(from)) / dayMs + 1 > maxRangeDays)
      errors.push({ path: 'query.to', message: 'The range may span at most two years' });
    if (errors.length > 0)
      throw new AppError('VALIDATION_FAILED', { message: 'The date range is not valid.', errors });
    return { range: { from, to } satisfies DayRange, timezone };
  };

  return {
    async overview(ctx: StaffContext, query: { from?: string; to?: string }): Promise<TAnalyticsOverview> {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const { range, timezone } = await resolveRange(tx, query);
        const totals = await analyticsRepository.metricTotals(tx, range);
        const active = await analyticsRepository.activeMembers(tx, range);
        const latency = await analyticsRepository.latencyBuckets(tx, range);
        const questions = groupQuestions(await analyticsRepository.topQuestions(tx, range, 300));
        const retentionRows = await analyticsRepository.retention(tx, range, timezone);

        const sum = (metric: string) =>
          totals.filter((row) => row.metric === metric).reduce((total, row) => total + row.value, 0);
        const byChannel: TAnalyticsOverview['byChannel'] = {};
        const channelEntry = (channel: string) =>
          (byChannel[channel] ??= { messagesIn: 0, messagesOut: 0, activeMembers: 0 });
        for (const row of totals) {
          if (row.metric === 'messages_in') channelEntry(row.channel).messagesIn += row.value;
          if (row.metric === 'messages_out') channelEntry(row.channel).messagesOut += row.value;
        }
        for (const row of active) if (row.channel) channelEntry(row.channel).activeMembers = row.count;
        const answers = sum('answers');

        const cohorts = new Map<string, { week: string; size: number; weeks: number[] }>();
        for (const row of retentionRows) {
          const cohort = cohorts.get(row.week) ?? { week: row.week, size: row.size, weeks: [] };
          if (row.offset !== null)
            cohort.weeks[row.offset] = row.size > 0 ? Math.round((row.active / row.size) * 1000) / 1000 : 0;
          cohorts.set(row.week, cohort);
        }

        return {
          from: range.from,
          to: range.to,
          timezone,
          activeMembers: active.find((row) => row.channel === null)?.count ?? 0,
          newMembers: sum('new_members'),
          conversations: sum('conversations'),
          messagesIn: sum('messages_in'),
          messagesOut: sum('messages_out'),
          byChannel,
          responseTimeMs: {
            p50: percentileFromBuckets(latency, 0.5),
            p95: percentileFromBuckets(latency, 0.95),
          },
          unansweredRate: answers > 0 ? Math.round((sum('unanswered') / answers) * 1000) / 1000 : null,
          feedback: { up: sum('feedback_up'), down: sum('feedback_down') },
          topQuestions: questions.slice(0, 10),
          unansweredQuestions: questions
            .filter((question) => question.unanswered > 0)
            .sort((a, b) => b.unanswered - a.unanswered)
            .slice(0, 10)
            .map((question) => ({ text: question.text, count: question.unanswered })),
          retention: {
            // One rate per week elapsed since the cohort's first week (up to 12), 0 where nobody came back.
            cohorts: [...cohorts.values()].slice(0, 12).map((cohort) => {
              const elapsed = Math.min(
                12,
                Math.floor((Date.parse(range.to) - Date.parse(cohort.week)) / (7 * dayMs)) + 1,
              );
              return {
                ...cohort,
                weeks: Array.from(
                  { length: Math.max(elapsed, cohort.weeks.length) },
                  (_, index) => cohort.weeks[index] ?? 0,
                ),
              };
            }),
          },
          programs: {},
        };
      });
    },

    async timeseries(
      ctx: StaffContext,
      query: { from?: string; to?: string; metric: (typeof analyticsMetrics)[number]; by: 'day' | 'channel' },
    ) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const { range } = await resolveRange(tx, query);
        if (query.metric === 'active_members') {
          const rows = await analyticsRepository.dailyActiveMembers(tx, range);
          const wanted = rows.filter((row) =>
            query.by === 'channel' ? row.channel !== null : row.channel === null,
          );
          return {
            metric: query.metric,
            points: wanted.map((row) => ({ day: row.day, channel: row.channel, value: row.value })),
          };
        }
        const rows = await analyticsRepository.dailySeries(tx, range, query.metric);
        if (query.by === 'channel')
          return {
            metric: query.metric,
            points: rows.map((row) => ({ day: row.day, channel: row.channel, value: row.value })),
          };
        const byDay = new Map<string, number>();
        for (const row of rows) byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.value);
        return {
          metric: query.metric,
          points: [...byDay].map(([day, value]) => ({ day, channel: null, value })),
        };
      });
    },

    async responseTimes(ctx: StaffContext, query: { from?: string; to?: string }) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        const { range } = await resolveRange(tx, query);
        const rows = await analyticsRepository.latencyBucketsByDay(tx, range);
        const byDay = new Map<string, { bucket: number; count: number }[]>();
        for (const row of rows) byDay.set(row.day, [...(byDay.get(row.day) ?? []), row]);
        return {
          points: [...byDay].map(([day, buckets]) => ({
            day,
            p50: percentileFromBuckets(buckets, 0.5),
            p95: percentileFromBuckets(buckets, 0.95),
          })),
        };
      });
    },
  };
};

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
