import type { TenantTx } from '@companero/db/tenant';

export type DayRange = { from: string; to: string };

/** Reads the rollups only (never the raw event log), so the cost follows days × channels, not events. */
export const analyticsRepository = {
  async creatorTimezone(tx: TenantTx): Promise<string> {
    const { rows } = await tx.query<{ timezone: string }>('select timezone from creators where id = $1', [
      tx.creatorId,
    ]);
    return rows[0]?.timezone ?? 'UTC';
  },

  async today(tx: TenantTx, timezone: string): Promise<string> {
    const { rows } = await tx.query<{ day: string }>(
      `select to_char((now() at time zone $1)::date, 'YYYY-MM-DD') as day`,
      [timezone],
    );
    return rows[0]!.day;
  },

  async metricTotals(tx: TenantTx, range: DayRange) {
    const { rows } = await tx.query<{ metric: string; channel: string; value: number }>(
      `select metric, channel, sum(value)::int as value from analytics_daily
        where day between $1::date and $2::date group by metric, channel`,
      [range.from, range.to],
    );
    return rows;
  },

  /**
   * Distinct active members in the range, in total and per channel, from the per-year day bitmaps: for each
   * year the range touches, the bits of its days in that year.
   */
  async activeMembers(tx: TenantTx, range: DayRange) {
    const params: unknown[] = [];
    const clauses: string[] = [];
    const firstYear = Number(range.from.slice(0, 4));
    const lastYear = Number(range.to.slice(0, 4));
    for (let year = firstYear; year <= lastYear; year += 1) {
      const from = year === firstYear ? range.from : `${year}-01-01`;
      const to = year === lastYear ? range.to : `${year}-12-31`;
      params.push(year, from, to);
      const [y, f, t] = [params.length - 2, params.length - 1, params.length];
      clauses.push(
        `(year = $${y} and bit_count(substring(days from extract(doy from $${f}::date)::int for ($${t}::date - $${f}::date + 1))) > 0)`,
      );
    }
    const { rows } = await tx.query<{ channel: string | null; count: number }>(
      `select channel, count(distinct member_id)::int as count from analytics_member_activity
        where ${clauses.join(' or ')}
        group by rollup (channel)`,
      params,
    );
    return rows;
  },

  async latencyBuckets(tx: TenantTx, range: DayRange) {
    const { rows } = await tx.query<{ bucket: number; count: number }>(
      `select bucket, sum(count)::int as count from analytics_latency_daily
        where day between $1::date and $2::date group by bucket order by bucket`,
      [range.from, range.to],
    );
    return rows;
  },

  async latencyBucketsByDay(tx: TenantTx, range: DayRange) {
    const { rows } = await tx.query<{ day: string; bucket: number; count: number }>(
      `select to_char(day, 'YYYY-MM-DD') as day, bucket, sum(count)::int as count from analytics_latency_daily
        where day between $1::date and $2::date group by day, bucket order by day, bucket`,
      [range.from, range.to],
    );
    return rows;
  },

  async topQuestions(tx: TenantTx, range: DayRange, limit: number) {
    const { rows } = await tx.query<{
      normalized: string;
      sample: string;
      asked: number;
      unanswered: number;
    }>(
      `select normalized, max(sample) as sample, sum(asked)::int as asked, sum(unanswered)::int as unanswered
         from analytics_questions_daily where day between $1::date and $2::date
        group by normalized order by sum(asked) desc, normalized limit $3`,
      [range.from, range.to, limit],
    );
    return rows;
  },

  async dailySeries(tx: TenantTx, range: DayRange, metric: string) {
    const { rows } = await tx.query<{ day: string; channel: string; value: number }>(
      `select to_char(day, 'YYYY-MM-DD') as day, channel, sum(value)::int as value from analytics_daily
        where metric = $3 and day between $1::date and $2::date group by day, channel order by day, channel`,
      [range.from, range.to, metric],
    );
    return rows;
  },

  async dailyActiveMembers(tx: TenantTx, range: DayRange) {
    const { rows } = await tx.query<{ day: string; channel: string | null; value: number }>(
      `select to_char(day, 'YYYY-MM-DD') as day, channel, count(distinct member_id)::int as value
         from analytics_member_days where day between $1::date and $2::date
        group by grouping sets ((day), (day, channel)) order by day, channel nulls first`,
      [range.from, range.to],
    );
    return rows;
  },

  /**
   * Weekly cohorts of members who joined in the range (in the creator's time zone), with how many of each
   * cohort were active in each following week (up to 12).
   */
  async retention(tx: TenantTx, range: DayRange, timezone: string) {
    const { rows } = await tx.query<{ week: string; size: number; offset: number | null; active: number }>(
      `with weeks as (
         -- The 12 newest cohort weeks of the range: the overview shows no more, so no older one is computed.
         select distinct date_trunc('week', (created_at at time zone $3))::date as week
           from members where (created_at at time zone $3)::date between $1::date and $2::date
          order by week desc limit 12),
       cohort as (
         select m.id, date_trunc('week', (m.created_at at time zone $3))::date as week
           from members m join weeks w on w.week = date_trunc('week', (m.created_at at time zone $3))::date
          where (m.created_at at time zone $3)::date between $1::date and $2::date),
       sizes as (select week, count(*)::int as size from cohort group by week),
       activity as (
         select distinct c.week, c.id, ((date_trunc('week', d.day)::date - c.week) / 7) as offset
           from cohort c join analytics_member_days d on d.member_id = c.id
          where d.day >= c.week and d.day < c.week + 84 and d.day <= $2::date)
       select to_char(s.week, 'YYYY-MM-DD') as week, s.size, a.offset, count(a.id)::int as active
         from sizes s left join activity a on a.week = s.week
        group by s.week, s.size, a.offset order by s.week desc, a.offset`,
      [range.from, range.to, timezone],
    );
    return rows;
  },
};
