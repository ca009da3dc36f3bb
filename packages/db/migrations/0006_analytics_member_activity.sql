-- Distinct active members over a range, without scanning member-days: one row per member, channel and year
-- with a bit per local day of activity. A range is a substring of the bits, so a year-long overview reads
-- about members × channels rows instead of every member-day (the analytics benchmark's largest cost).
create table analytics_member_activity (
  creator_id uuid not null references creators (id) on delete cascade,
  member_id uuid not null references members (id) on delete cascade,
  channel text not null,
  year smallint not null,
  days bit(366) not null,
  primary key (creator_id, year, member_id, channel)
);

alter table analytics_member_activity enable row level security;
alter table analytics_member_activity force row level security;
create policy tenant_isolation on analytics_member_activity
  using (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid))
  with check (creator_id = (select nullif(current_setting('app.current_creator_id', true), '')::uuid));

insert into analytics_member_activity (creator_id, member_id, channel, year, days)
select creator_id, member_id, channel, extract(year from day)::smallint,
       bit_or(set_bit(repeat('0', 366)::bit(366), extract(doy from day)::int - 1, 1))
  from analytics_member_days
 group by 1, 2, 3, 4;
