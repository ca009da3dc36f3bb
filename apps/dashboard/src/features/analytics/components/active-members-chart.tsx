import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDay } from '../../../lib/date-format';
import { usePrefersReducedMotion } from '../../../ui/use-prefers-reduced-motion';
import { type DateRange, useAnalyticsTimeseries } from '../analytics.api';
import { daysOf } from '../analytics-days';
import { ChartCard } from './chart-card';

export const ActiveMembersChart = ({ range }: { range: DateRange | null }) => {
  const isAnimated = !usePrefersReducedMotion();
  const series = useAnalyticsTimeseries(range, 'active_members', 'day');
  const rows = useMemo(() => {
    const byDay = new Map((series.data?.points ?? []).map((point) => [point.day, point.value]));
    return (range ? daysOf(range) : []).map((day) => ({ day, members: byDay.get(day) ?? 0 }));
  }, [series.data, range]);
  const peak = rows.reduce((max, row) => Math.max(max, row.members), 0);
  return (
    <ChartCard
      title="Active members"
      description="Members who sent at least one message that day."
      summary={`Active members per day; the busiest day had ${peak.toLocaleString()}.`}
      isLoading={series.isPending && range !== null}
      error={series.error}
      onRetry={() => series.refetch()}
      isEmpty={peak === 0}
      emptyText="Nobody was active in this period. Try a longer range, or invite members to write to your coach."
      table={{ columns: ['Day', 'Active members'], rows: rows.map((row) => [row.day, row.members]) }}
    >
      <ResponsiveContainer width="100%" height={240}>
        <AreaChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
          <defs>
            <linearGradient id="active-members-fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="#4f46e5" stopOpacity={0.35} />
              <stop offset="100%" stopColor="#4f46e5" stopOpacity={0.02} />
            </linearGradient>
          </defs>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--border)" />
          <XAxis dataKey="day" tickFormatter={formatDay} tick={{ fontSize: 12 }} minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
          <Tooltip labelFormatter={(day) => formatDay(String(day))} />
          <Area
            isAnimationActive={isAnimated}
            type="monotone"
            dataKey="members"
            name="Active members"
            stroke="#4f46e5"
            strokeWidth={2}
            fill="url(#active-members-fill)"
          />
        </AreaChart>
      </ResponsiveContainer>
    </ChartCard>
  );
};
