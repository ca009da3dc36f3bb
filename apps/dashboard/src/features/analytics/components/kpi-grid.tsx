import { formatDuration } from '../../../lib/date-format';
import type { TAnalyticsOverview } from '../analytics.api';

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);

const Kpi = ({ label, value, detail }: { label: string; value: string; detail?: string }) => (
  <div className="kpi">
    <dt className="kpi__label">{label}</dt>
    <dd className="kpi__value">{value}</dd>
    {detail ? <dd className="kpi__detail">{detail}</dd> : null}
  </div>
);

export const KpiGrid = ({ overview }: { overview: TAnalyticsOverview }) => {
  const feedbackTotal = overview.feedback.up + overview.feedback.down;
  return (
    <dl className="kpi-grid">
      <Kpi
        label="Active members"
        value={overview.activeMembers.toLocaleString()}
        detail={`${overview.newMembers.toLocaleString()} new`}
      />
      <Kpi label="Conversations" value={overview.conversations.toLocaleString()} />
      <Kpi
        label="Messages"
        value={(overview.messagesIn + overview.messagesOut).toLocaleString()}
        detail={`${overview.messagesIn.toLocaleString()} received · ${overview.messagesOut.toLocaleString()} sent`}
      />
      <Kpi
        label="Response time"
        value={formatDuration(overview.responseTimeMs.p50)}
        detail={`p95 ${formatDuration(overview.responseTimeMs.p95)}`}
      />
      <Kpi label="Unanswered" value={percent(overview.unansweredRate)} detail="of the coach’s answers" />
      <Kpi
        label="Feedback"
        value={
          feedbackTotal === 0 ? '—' : `${Math.round((overview.feedback.up / feedbackTotal) * 100)}% positive`
        }
        detail={`${overview.feedback.up.toLocaleString()} up · ${overview.feedback.down.toLocaleString()} down`}
      />
    </dl>
  );
};
