import { useId, useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDay } from '../../../lib/date-format';
import { usePrefersReducedMotion } from '../../../ui/use-prefers-reduced-motion';
import { channelLabel } from '../../members/members.api';
import { type DateRange, useAnalyticsTimeseries } from '../analytics.api';
import { daysOf } from '../analytics-days';
import { colorForChannel } from '../channel-colors';
import { ChartCard } from './chart-card';

type Direction = 'messages_in' | 'messages_out';

export const MessagesByChannelChart = ({ range }: { range: DateRange | null }) => {
  const isAnimated = !usePrefersReducedMotion();
  const id = useId();
  const [metric, setMetric] = useState<Direction>('messages_in');
  const series = useAnalyticsTimeseries(range, metric, 'channel');
  const { rows, channelNames, total } = useMemo(() => {
    const points = series.data?.points ?? [];
    const names = [...new Set(points.map((point) => point.channel ?? 'other'))].sort();
    const byDay = new Map<string, Record<string, number>>();
    for (const point of points) {
      const row = byDay.get(point.day) ?? {};
      const channel = point.channel ?? 'other';
      row[channel] = (row[channel] ?? 0) + point.value;
      byDay.set(point.day, row);
    }
    const allDays = range ? daysOf(range) : [];
    return {
      channelNames: names,
      total: points.reduce((sum, point) => sum + point.value, 0),
      rows: allDays.map((day) => ({
        day,
        ...Object.fromEntries(names.map((name) => [name, byDay.get(day)?.[name] ?? 0])),
      })) as ({ day: string } & Record<string, number>)[],
    };
  }, [series.data, range]);

  const noun = metric === 'messages_in' ? 'received' : 'sent';
  return (
    <ChartCard
      title="Messages by channel"
      description={
        metric === 'messages_in' ? 'Messages members sent to your coach.' : 'Replies your coach sent.'
      }
      summary={`${total.toLocaleString()} messages ${noun}, across ${channelNames.length} channel${channelNames.length === 1 ? '' : 's'}.`}
      isLoading={series.isPending && range !== null}
      error={series.error}
      onRetry={() => series.refetch()}
      isEmpty={total === 0}
      emptyText={`No messages ${noun} in this period. Messages appear here once members start talking to your coach on any channel.`}
      controls={
        <>
          <label htmlFor={`${id}-direction`} className="visually-hidden">
            Direction
          </label>
          <select
            id={`${id}-direction`}
            className="input select input--compact"
            value={metric}
            onChange={(event) => setMetric(event.target.value as Direction)}
          >
            <option value="messages_in">Received</option>
            <option value="messages_out">Sent</option>
          </select>
        </>
      }
      table={{
        columns: ['Day', ...channelNames.map(channelLabel)],
        rows: rows.map((row) => [row.day, ...channelNames.map((name) => row[name] ?? 0)]),
      }}
    >
      <ResponsiveContainer width="100%" height={280}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--border)" />
          <XAxis dataKey="day" tickFormatter={formatDay} tick={{ fontSize: 12 }} minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
          <Tooltip labelFormatter={(day) => formatDay(String(day))} />
          <Legend formatter={(value) => channelLabel(String(value))} />
          {channelNames.map((name, index) => (
            <Bar
              isAnimationActive={isAnimated}
              key={name}
              dataKey={name}
              stackId="messages"
              fill={colorForChannel(name, index)}
              name={name}
              maxBarSize={28}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
};
