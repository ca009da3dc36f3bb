import { formatDay } from '../../../lib/date-format';
import type { TAnalyticsOverview } from '../analytics.api';

/** The API sends each week's retention as a share of the cohort, 0..1. */
const asPercent = (share: number) => share * 100;

/** Of the members who first wrote in a week, the share still writing 1, 2, 3… weeks later. */
export const RetentionCohorts = ({ retention }: { retention: TAnalyticsOverview['retention'] }) => {
  const cohorts = retention.cohorts;
  const weekCount = cohorts.reduce((max, cohort) => Math.max(max, cohort.weeks.length), 0);
  const weekOffsets = Array.from({ length: weekCount }, (_, offset) => offset);
  return (
    <section className="card" aria-labelledby="retention-title">
      <header className="card__header">
        <div>
          <h2 className="card__title" id="retention-title">
            Retention by first week
          </h2>
          <p className="card__description">
            Each row is the members who first wrote that week; each column, the share still active weeks
            later.
          </p>
        </div>
      </header>
      {cohorts.length === 0 ? (
        <p className="chart-card__empty">
          No cohorts yet. Once members write in two different weeks, you will see how many keep coming back.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table table--compact table--cohorts">
            <thead>
              <tr>
                <th scope="col">First week</th>
                <th scope="col">Members</th>
                {weekOffsets.map((week) => (
                  <th key={`week-${week + 1}`} scope="col">
                    {week === 0 ? 'Week 0' : `+${week}`}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {cohorts.map((cohort) => (
                <tr key={cohort.week}>
                  <th scope="row">{formatDay(cohort.week.slice(0, 10))}</th>
                  <td>{cohort.size.toLocaleString()}</td>
                  {weekOffsets.map((week) => {
                    const value = cohort.weeks[week];
                    if (value === undefined)
                      return <td key={`week-${week + 1}`} className="cohort-cell cohort-cell--future" />;
                    const percent = asPercent(value);
                    return (
                      <td
                        key={`week-${week + 1}`}
                        className="cohort-cell"
                        style={{
                          backgroundColor: `rgb(79 70 229 / ${Math.min(0.85, percent / 100 + 0.04)})`,
                          color: percent > 55 ? '#fff' : undefined,
                        }}
                      >
                        {Math.round(percent)}%
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
};
