import {
  ZAnalyticsOverview,
  ZAnalyticsRangeQuery,
  ZResponseTimeSeries,
  ZTimeseries,
  ZTimeseriesQuery,
} from '@companero/contracts/creator-hub/analytics';
import { staffContext } from '@companero/core/auth/auth.plugin';
import type { HttpApp } from '@companero/core/http/create-http-app';
import { problemResponses } from '@companero/core/http/problem-responses';
import type { HubServices } from '../hub-services';

export const analyticsRoutes = async (app: HttpApp, { services }: { services: HubServices }) => {
  const tags = ['analytics'];
  const security = [{ bearerAuth: [] }];
  const guard = app.requireStaff('viewer');

  app.get(
    '/analytics/overview',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Headline figures for a date range',
        security,
        querystring: ZAnalyticsRangeQuery,
        response: { 200: ZAnalyticsOverview, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.analytics.overview(staffContext(request), request.query),
  );
  app.get(
    '/analytics/timeseries',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'One metric per day (optionally per channel)',
        security,
        querystring: ZTimeseriesQuery,
        response: { 200: ZTimeseries, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.analytics.timeseries(staffContext(request), request.query),
  );
  app.get(
    '/analytics/response-times',
    {
      preHandler: guard,
      schema: {
        tags,
        summary: 'Response time p50/p95 per day',
        security,
        querystring: ZAnalyticsRangeQuery,
        response: { 200: ZResponseTimeSeries, ...problemResponses(401, 403, 422) },
      },
    },
    async (request) => services.analytics.responseTimes(staffContext(request), request.query),
  );
};
