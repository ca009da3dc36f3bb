import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { dayInTimeZone } from '../../../lib/date-format';
import { PageHeader } from '../../../ui/page-header';
import { EmptyState, ErrorState, LoadingState } from '../../../ui/states';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { useCreatorTimeZone } from '../../settings/settings.api';
import { type DateRange, useAnalyticsOverview } from '../analytics.api';
import { ActiveMembersChart } from '../components/active-members-chart';
import {
  DateRangePicker,
  presetRange,
  type RangePresetId,
  rangePresets,
} from '../components/date-range-picker';
import { KpiGrid } from '../components/kpi-grid';
import { MessagesByChannelChart } from '../components/messages-by-channel-chart';
import { TopQuestions, UnansweredQuestions } from '../components/questions-tables';
import { ResponseTimesChart } from '../components/response-times-chart';
import { RetentionCohorts } from '../components/retention-cohorts';

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** The range lives in the URL (`?range=30d` or `?from=…&to=…`) so a view can be shared and bookmarked. */
const readRange = (params: URLSearchParams, today: string): { preset: RangePresetId; range: DateRange } => {
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  if (dayPattern.test(from) && dayPattern.test(to) && from <= to)
    return { preset: 'custom', range: { from, to } };
  const preset = rangePresets.find((candidate) => candidate.id === params.get('range'))?.id ?? '30d';
  return { preset, range: presetRange(preset, today) };
};

export default function AnalyticsPage() {
  useDocumentTitle('Analytics');
  const [searchParams, setSearchParams] = useSearchParams();
  const timeZone = useCreatorTimeZone();
  const today = timeZone ? dayInTimeZone(new Date(), timeZone) : null;
  const selection = useMemo(() => (today ? readRange(searchParams, today) : null), [searchParams, today]);
  const range = selection?.range ?? null;
  const overview = useAnalyticsOverview(range);

  const isQuiet =
    overview.data !== undefined &&
    overview.data.messagesIn + overview.data.messagesOut === 0 &&
    overview.data.activeMembers === 0;

  return (
    <div className="page">
      <PageHeader
        title="Analytics"
        description={
          timeZone
            ? `How your members and your coach are doing. Days are counted in ${timeZone}.`
            : 'How your members and your coach are doing.'
        }
        actions={
          selection && today ? (
            <DateRangePicker
              preset={selection.preset}
              range={selection.range}
              today={today}
              onChange={({ preset, range: next }) =>
                setSearchParams(
                  preset === 'custom'
                    ? { from: next.from, to: next.to }
                    : preset === '30d'
                      ? {}
                      : { range: preset },
                  { replace: true },
                )
              }
            />
          ) : null
        }
      />
      {!range || overview.isPending ? (
        <LoadingState label="Loading analytics…" />
      ) : overview.isError ? (
        <ErrorState
          error={overview.error}
          title="Analytics could not be loaded"
          onRetry={() => overview.refetch()}
        />
      ) : (
        <div
          className={overview.isPlaceholderData ? 'analytics is-refreshing' : 'analytics'}
          aria-busy={overview.isFetching}
        >
          <KpiGrid overview={overview.data} />
          {isQuiet ? (
            <EmptyState title="No activity in this period" icon="analytics">
              <p>
                Charts fill in as members talk to your coach. Pick a longer range above, or bring your
                audience in: <Link to="/members">import your members from a CSV</Link> so you can follow them
                here.
              </p>
            </EmptyState>
          ) : null}
          <div className="chart-grid">
            <div className="chart-grid__wide">
              <MessagesByChannelChart range={range} />
            </div>
            <ActiveMembersChart range={range} />
            <ResponseTimesChart range={range} />
            <div className="chart-grid__wide">
              <RetentionCohorts retention={overview.data.retention} />
            </div>
            <TopQuestions questions={overview.data.topQuestions} />
            <UnansweredQuestions questions={overview.data.unansweredQuestions} />
          </div>
        </div>
      )}
    </div>
  );
}
