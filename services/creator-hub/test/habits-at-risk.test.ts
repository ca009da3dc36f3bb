import { addDays, weekStartOf } from '@companero/contracts/creator-hub/habit-streaks';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHabitServices } from '../src/habit-services';
import type { AtRiskFlag } from '../src/ports/gamification-hooks';
import {
  adopt,
  backdateAdoption,
  createHabit,
  type HabitMember,
  habitMember,
  localDay,
  memberTokens,
  seedCheckIns,
} from './habit-fixtures';
import { type Body, type Creator, eventually, expectStatus, registerCreator } from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

/** A zone where it is between 03:00 and 22:00 now: past the nightly scan hour, and no date change mid-test. */
const zoneInTheDay = () =>
  [
    'UTC',
    'Asia/Tokyo',
    'America/New_York',
    'Europe/Madrid',
    'Pacific/Auckland',
    'Asia/Kolkata',
    'America/Los_Angeles',
  ].find((zone) => {
    const hour = Number(
      new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(
        new Date(),
      ),
    );
    return hour >= 3 && hour < 22;
  })!;

const every = (from: string, to: string) => {
  const dates: string[] = [];
  for (let date = from; date <= to; date = addDays(date, 1)) dates.push(date);
  return dates;
};

describe.each(backends())('the nightly at-risk scan on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let tokens: ReturnType<typeof memberTokens>;
  let services: ReturnType<typeof createHabitServices>;
  const hookCalls: AtRiskFlag[][] = [];
  let zone: string;
  let owner: Creator;
  let other: Creator;
  let slipping: HabitMember;
  let steady: HabitMember;
  let fading: HabitMember;
  let weekly: HabitMember;
  let foreign: HabitMember;
  const adoptions: Record<string, string> = {};

  const atRisk = async (creator: Creator) =>
    expectStatus(await http.get<Body>('/api/hub/habits/at-risk', { token: creator.token }), 200).body;

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    tokens = memberTokens(server);
    services = createHabitServices(server.runtime);
    services.habitHooks.onAtRisk = async (_tx, flagged) => {
      hookCalls.push(flagged);
    };
    zone = zoneInTheDay();
    owner = await registerCreator(http, 'risk');
    other = await registerCreator(http, 'risk-other');
    for (const creator of [owner, other]) {
      expectStatus(
        await http.patch<Body>('/api/hub/settings', { timezone: zone }, { token: creator.token }),
        200,
      );
    }
    const today = localDay(zone);
    const walk = await createHabit(http, owner.token, { name: 'Walk', schedule: { type: 'daily' } });
    const gym = await createHabit(http, owner.token, {
      name: 'Gym',
      schedule: { type: 'weekdays', weekdays: [2, 4] },
    });
    const theirWalk = await createHabit(http, other.token, { name: 'Walk', schedule: { type: 'daily' } });

    const member = async (
      creator: Creator,
      name: string,
      habitId: string,
      startedOn: string,
      dates: string[],
    ) => {
      const created = await habitMember(server, tokens, creator.creatorId, { name, timezone: zone });
      const adoption = await adopt(http, created, habitId);
      await backdateAdoption(server, creator.creatorId, adoption.id, startedOn);
      await seedCheckIns(
        server,
        creator.creatorId,
        adoption.id,
        dates.map((date) => ({ date })),
      );
      adoptions[name] = adoption.id;
      return created;
    };
    const start = addDays(today, -40);
    // Stopped 5 days ago: 4 scheduled days missed.
    slipping = await member(owner, 'Slipping', walk.id, start, every(start, addDays(today, -5)));
    steady = await member(owner, 'Steady', walk.id, start, every(start, addDays(today, -1)));
    // Every day for weeks 4 and 3 before this one, twice a week in the last two, and every day since.
    const thisMonday = weekStartOf(today);
    const fadingDates = [
      ...every(addDays(thisMonday, -28), addDays(thisMonday, -15)),
      ...[-14, -11, -7, -4].map((offset) => addDays(thisMonday, offset)),
      ...every(addDays(thisMonday, -1), addDays(today, -1)),
    ];
    fading = await member(owner, 'Fading', walk.id, start, fadingDates);
    // Tuesday/Thursday habit done on every Tuesday and Thursday: never at risk, whatever today is.
    const gymDates = every(start, addDays(today, -1)).filter((date) =>
      [2, 4].includes(new Date(`${date}T00:00:00Z`).getUTCDay()),
    );
    weekly = await member(owner, 'Weekly', gym.id, start, gymDates);
    foreign = await member(other, 'Foreign', theirWalk.id, start, every(start, addDays(today, -10)));
  });
  afterAll(async () => {
    tokens?.stop();
    await hub?.close();
  });

  it('flags missed days and falling adherence, respecting schedules, and tells the hook once', async () => {
    const result = await services.habitsAtRisk.scan(owner.creatorId, { force: true });
    expect(result).toMatchObject({ status: 'scanned', habitsEvaluated: 4, membersFlagged: 2 });
    expect(hookCalls).toHaveLength(1);
    expect(hookCalls[0]!.map((flag) => flag.memberId).sort()).toEqual([slipping.id, fading.id].sort());

    const list = await atRisk(owner);
    const byMember = new Map<string, Body>(list.items.map((item: Body) => [item.memberId, item]));
    expect([...byMember.keys()].sort()).toEqual([slipping.id, fading.id].sort());
    expect(byMember.get(slipping.id)).toMatchObject({
      name: 'Slipping',
      habits: [{ name: 'Walk', memberHabitId: adoptions.Slipping }],
    });
    expect(byMember.get(slipping.id)!.habits[0].reasons).toContainEqual({
      code: 'missed',
      missed: 4,
      lastCheckInOn: addDays(localDay(zone), -5),
    });
    expect(byMember.get(fading.id)!.habits[0].reasons).toEqual([
      { code: 'adherence_falling', previous: 1, recent: expect.any(Number) },
    ]);
    expect(byMember.get(fading.id)!.habits[0].reasons[0].recent).toBeLessThanOrEqual(0.5);
    expect(list.lastScan).toMatchObject({
      habitsEvaluated: 4,
      membersFlagged: 2,
      finishedAt: expect.any(String),
    });

    const mine = expectStatus(await http.get<Body>('/api/me/habits', { token: slipping.token }), 200).body;
    expect(mine.items[0].isAtRisk).toBe(true);
    const steadyView = expectStatus(
      await http.get<Body>('/api/me/progress', { token: steady.token }),
      200,
    ).body;
    expect(steadyView.isAtRisk).toBe(false);
    // Done on every Tuesday and Thursday, nothing in between: not at risk.
    const weeklyView = expectStatus(
      await http.get<Body>('/api/me/habits', { token: weekly.token }),
      200,
    ).body;
    expect(weeklyView.items[0]).toMatchObject({ habit: { name: 'Gym' }, isAtRisk: false });
  });

  it('keeps other creators out of the scan and the list', async () => {
    expect((await atRisk(other)).items).toEqual([]);
    const theirs = await services.habitsAtRisk.scan(other.creatorId, { force: true });
    expect(theirs).toMatchObject({ status: 'scanned', habitsEvaluated: 1, membersFlagged: 1 });
    expect((await atRisk(other)).items.map((item: Body) => item.memberId)).toEqual([foreign.id]);
    expect((await atRisk(owner)).items.map((item: Body) => item.memberId)).not.toContain(foreign.id);
  });

  it('runs once a night unless forced, does not re-announce, and clears a flag after a check-in', async () => {
    expect(await services.habitsAtRisk.scan(owner.creatorId)).toEqual({
      status: 'skipped',
      reason: 'already_scanned_today',
    });
    const calls = hookCalls.length;
    // Nothing changed since the last scan: no flag is rewritten (jsonb key order must not look like a change).
    expect(await services.habitsAtRisk.scan(owner.creatorId, { force: true })).toMatchObject({ changed: 0 });
    expect(hookCalls.length).toBe(calls);

    expectStatus(
      await http.post<Body>(`/api/me/habits/${adoptions.Slipping}/check-ins`, {}, { token: slipping.token }),
      201,
    );
    const rescanned = await services.habitsAtRisk.scan(owner.creatorId, { force: true });
    expect(rescanned).toMatchObject({ membersFlagged: 1 });
    expect((await atRisk(owner)).items.map((item: Body) => item.memberId)).toEqual([fading.id]);
  });

  it('scans on demand through the hub (a durable job the workers run)', async () => {
    const before = (await atRisk(owner)).lastScan.finishedAt;
    const queued = expectStatus(
      await http.post<Body>('/api/hub/habits/at-risk/scan', {}, { token: owner.token }),
      202,
    );
    expect(queued.body).toEqual({ status: 'queued', jobId: expect.any(String) });
    await eventually(
      async () => {
        const after = (await atRisk(owner)).lastScan.finishedAt;
        return after && after !== before ? after : undefined;
      },
      { what: 'the queued scan to finish' },
    );
  });

  it('fans the nightly scan out to creators whose local night has come and who were not scanned today', async () => {
    const fresh = await registerCreator(http, 'risk-fresh');
    expectStatus(
      await http.patch<Body>('/api/hub/settings', { timezone: zone }, { token: fresh.token }),
      200,
    );
    const habit = await createHabit(http, fresh.token, { name: 'Read', schedule: { type: 'daily' } });
    await adopt(
      http,
      await habitMember(server, tokens, fresh.creatorId, { name: 'Nia', timezone: zone }),
      habit.id,
    );
    const due = await services.habitsAtRisk.sweep();
    expect(due).toContain(fresh.creatorId);
    expect(due).not.toContain(owner.creatorId);
    await eventually(async () => ((await atRisk(fresh)).lastScan.finishedAt ? true : undefined), {
      what: 'the swept scan to finish',
    });
    expect(await services.habitsAtRisk.sweep()).not.toContain(fresh.creatorId);
  });
});
