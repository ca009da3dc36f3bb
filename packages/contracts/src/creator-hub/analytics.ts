import { z } from 'zod';

const ZDay = z.iso.date().describe('A calendar day (YYYY-MM-DD) in the creator’s timezone');

export const ZAnalyticsRangeQuery = z.object({
  from: ZDay.optional().describe('First day, inclusive (default: 29 days before `to`)'),
  to: ZDay.optional().describe('Last day, inclusive (default: today)'),
});

export const ZChannelFigures = z.object({
  messagesIn: z.number().int(),
  messagesOut: z.number().int(),
  activeMembers: z.number().int(),
});

export const ZAnalyticsOverview = z
  .object({
    from: z.string(),
    to: z.string(),
    timezone: z.string(),
    activeMembers: z.number().int(),
    newMembers: z.number().int(),
    conversations: z.number().int(),
    messagesIn: z.number().int(),
    messagesOut: z.number().int(),
    byChannel: z.record(z.string(), ZChannelFigures),
    responseTimeMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
    unansweredRate: z.number().nullable().describe('Share of coach answers with grounded:false'),
    feedback: z.object({ up: z.number().int(), down: z.number().int() }),
    topQuestions: z.array(
      z.object({
        text: z.string(),
        count: z.number().int(),
        unanswered: z.number().int(),
        variants: z.number().int(),
      }),
    ),
    unansweredQuestions: z.array(z.object({ text: z.string(), count: z.number().int() })),
    retention: z.object({
      cohorts: z.array(z.object({ week: z.string(), size: z.number().int(), weeks: z.array(z.number()) })),
    }),
    programs: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AnalyticsOverview' });
export type TAnalyticsOverview = z.infer<typeof ZAnalyticsOverview>;

export const analyticsMetrics = [
  'messages_in',
  'messages_out',
  'conversations',
  'new_members',
  'active_members',
  'answers',
  'unanswered',
  'feedback_up',
  'feedback_down',
] as const;

export const ZTimeseriesQuery = ZAnalyticsRangeQuery.extend({
  metric: z.enum(analyticsMetrics),
  by: z
    .enum(['day', 'channel'])
    .default('day')
    .describe('day: one point per day; channel: one point per day and channel'),
});
export const ZTimeseries = z.object({
  metric: z.string(),
  points: z.array(z.object({ day: z.string(), channel: z.string().nullable(), value: z.number() })),
});
export const ZResponseTimeSeries = z.object({
  points: z.array(z.object({ day: z.string(), p50: z.number().nullable(), p95: z.number().nullable() })),
});
