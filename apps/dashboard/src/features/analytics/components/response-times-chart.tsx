import { useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDay, formatDuration } from '../../../lib/date-format';
import { usePrefersReducedMotion } from '../../../ui/use-prefers-reduced-motion';
import { type DateRange, useResponseTimes } from '../analytics.api';
import { daysOf } from '../analytics-days';
import { ChartCard } from './chart-card';

export const ResponseTimesChart = ({ range }: { range: DateRange | null }) => {
  const isAnimated = !usePrefersReducedMotion();
  const series = useResponseTimes(range);
  const rows = useMemo(() => {
    const byDay = new Map((series.data?.points ?? []).map((point) => [point.day, point]));
    return (range ? daysOf(range) : []).map((day) => ({
      day,
      p50: byDay.get(day)?.p50 ?? null,
      p95: byDay.get(day)?.p95 ?? null,
    }));
  }, [series.data, range]);
  const measured = rows.filter((row) => row.p50 !== null || row.p95 !== null);
  const worst = measured.reduce((max, row) => Math.max(max, row.p95 ?? 0), 0);
  return (
    <ChartCard
      title="Response time"
      description="How long members wait for the coach’s answer: typical (p50) and slow (p95)."
      summary={`Daily response times; the slowest p95 in this period was ${formatDuration(worst)}.`}
      isLoading={series.isPending && range !== null}
      error={series.error}
      onRetry={() => series.refetch()}
      isEmpty={measured.length === 0}
      emptyText="No answers in this period, so there is nothing to time yet."
      table={{
        columns: ['Day', 'p50', 'p95'],
        rows: measured.map((row) => [row.day, formatDuration(row.p50), formatDuration(row.p95)]),
      }}
    >
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--border)" />
          <XAxis dataKey="day" tickFormatter={formatDay} tick={{ fontSize: 12 }} minTickGap={24} />
          <YAxis
            tickFormatter={(value) => formatDuration(Number(value))}
            tick={{ fontSize: 12 }}
            width={64}
          />
          <Tooltip
            labelFormatter={(day) => formatDay(String(day))}
            formatter={(value) => formatDuration(typeof value === 'number' ? value : null)}
          />
          <Legend />
          <Line
            isAnimationActive={isAnimated}
            type="monotone"
            dataKey="p50"
            name="Typical (p50)"
            stroke="#0f9aa8"
            strokeWidth={2}
            dot={false}
            connectNulls
          />
          <Line
            isAnimationActive={isAnimated}
            type="monotone"
            dataKey="p95"
            name="Slow (p95)"
            stroke="#d9822b"
            strokeWidth={2}
            dot={false}
            connectNulls
          />
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
};
