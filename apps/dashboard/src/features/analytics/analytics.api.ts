import {
  type analyticsMetrics,
  ZAnalyticsOverview,
  ZResponseTimeSeries,
  ZTimeseries,
} from '@companero/contracts/creator-hub/analytics';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import { useApi } from '../../api/api-context';
import { useCreatorScope } from '../auth/session';

export type TAnalyticsOverview = z.infer<typeof ZAnalyticsOverview>;
export type TTimeseries = z.infer<typeof ZTimeseries>;
export type TResponseTimeSeries = z.infer<typeof ZResponseTimeSeries>;
export type AnalyticsMetric = (typeof analyticsMetrics)[number];
export type DateRange = { from: string; to: string };

export const useAnalyticsOverview = (range: DateRange | null) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...scope, 'analytics', 'overview', range],
    queryFn: ({ signal }) =>
      api.get('/api/hub/analytics/overview', { schema: ZAnalyticsOverview, signal, query: { ...range } }),
    enabled: range !== null,
    placeholderData: keepPreviousData,
  });
};

export const useAnalyticsTimeseries = (
  range: DateRange | null,
  metric: AnalyticsMetric,
  by: 'day' | 'channel',
) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...scope, 'analytics', 'timeseries', metric, by, range],
    queryFn: ({ signal }) =>
      api.get('/api/hub/analytics/timeseries', {
        schema: ZTimeseries,
        signal,
        query: { metric, by, ...range },
      }),
    enabled: range !== null,
    placeholderData: keepPreviousData,
  });
};

export const useResponseTimes = (range: DateRange | null) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...scope, 'analytics', 'response-times', range],
    queryFn: ({ signal }) =>
      api.get('/api/hub/analytics/response-times', {
        schema: ZResponseTimeSeries,
        signal,
        query: { ...range },
      }),
    enabled: range !== null,
    placeholderData: keepPreviousData,
  });
};
