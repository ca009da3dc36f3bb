import { randomUUID } from 'node:crypto';
import { addDays } from '@companero/contracts/creator-hub/habit-streaks';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportMemberHabitData } from '../src/services/habit-progress.service';
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
import { type Body, type Creator, expectStatus, registerCreator } from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

describe.each(backends())('member habits (/api/me) on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let tokens: ReturnType<typeof memberTokens>;
  let owner: Creator;
  let other: Creator;
  let ana: HabitMember;
  let bruno: HabitMember;
  let water: Body;
  let run: Body;

  const checkIn = (member: HabitMember, memberHabitId: string, body: Record<string, unknown> = {}) =>
    http.post<Body>(`/api/me/habits/${memberHabitId}/check-ins`, body, { token: member.token });
  const countRows = (sql: string, params: unknown[], creatorId = owner.creatorId) =>
    withTenant(server.runtime.db, creatorId, async (tx) => {
      const { rows } = await tx.query<{ count: number }>(sql, params);
      return rows[0]!.count;
    });

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    tokens = memberTokens(server);
    owner = await registerCreator(http, 'habits');
    other = await registerCreator(http, 'elsewhere');
    ana = await habitMember(server, tokens, owner.creatorId, { name: 'Ana', timezone: 'Europe/Madrid' });
    bruno = await habitMember(server, tokens, owner.creatorId, {
      name: 'Bruno',
      timezone: 'America/New_York',
    });
    water = await createHabit(http, owner.token, {
      name: 'Drink water',
      icon: '💧',
      schedule: { type: 'daily' },
      target: { amount: 8, unit: 'glasses' },
      reminderTime: '09:00',
    });
    run = await createHabit(http, owner.token, {
      name: 'Run',
      schedule: { type: 'weekdays', weekdays: [2, 4] },
      keywords: ['ran'],
    });
  });
  afterAll(async () => {
    tokens?.stop();
    await hub?.close();
  });

  describe('adopting', () => {
    it('lists the habits offered to the member, then the adopted one with today’s state', async () => {
      const before = expectStatus(await http.get<Body>('/api/me/habits', { token: ana.token }), 200).body;
      expect(before.items).toEqual([]);
      expect(before.available.map((habit: Body) => habit.name)).toEqual(['Drink water', 'Run']);

      const adopted = await adopt(http, ana, water.id);
      expect(adopted).toMatchObject({
        habit: { id: water.id, name: 'Drink water', icon: '💧', target: { amount: 8, unit: 'glasses' } },
        reminderTime: '09:00',
        startedOn: localDay('Europe/Madrid'),
        today: { date: localDay('Europe/Madrid'), isScheduled: true, checkIn: null },
        streak: { current: 0, best: 0, unit: 'day' },
        isAtRisk: false,
      });
      const after = expectStatus(await http.get<Body>('/api/me/habits', { token: ana.token }), 200).body;
      expect(after.items.map((item: Body) => item.id)).toEqual([adopted.id]);
      expect(after.available.map((habit: Body) => habit.name)).toEqual(['Run']);
    });

    it('answers 200 with the same adoption when adopting twice', async () => {
      const again = expectStatus(
        await http.post<Body>('/api/me/habits', { habitId: water.id }, { token: ana.token }),
        200,
      );
      const list = expectStatus(await http.get<Body>('/api/me/habits', { token: ana.token }), 200).body;
      expect(list.items).toHaveLength(1);
      expect(again.body.id).toBe(list.items[0].id);
    });

    it('answers 404 for a habit that does not exist or is another creator’s', async () => {
      const foreign = await createHabit(http, other.token, { name: 'Foreign', schedule: { type: 'daily' } });
      for (const habitId of [randomUUID(), foreign.id]) {
        const response = await http.post<Body>('/api/me/habits', { habitId }, { token: bruno.token });
        expect(response.status, habitId).toBe(404);
        expect(response.body.code).toBe('NOT_FOUND');
      }
    });

    it('keeps staff tokens and anonymous callers out of the member API', async () => {
      expect((await http.get<Body>('/api/me/habits', { token: owner.token })).status).toBe(403);
      expect((await http.get<Body>('/api/me/habits')).status).toBe(401);
      expect((await http.get<Body>('/api/hub/habits', { token: ana.token })).status).toBe(403);
    });
  });

  describe('checking in', () => {
    let anaWater: string;

    beforeAll(async () => {
      const list = expectStatus(await http.get<Body>('/api/me/habits', { token: ana.token }), 200).body;
      anaWater = list.items[0].id;
    });

    it('records today’s occurrence once: 201, then 200 with the same check-in and no second row or points', async () => {
      const first = await checkIn(ana, anaWater, { value: 8 });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        isNew: true,
        checkIn: {
          memberHabitId: anaWater,
          date: localDay('Europe/Madrid'),
          status: 'done',
          value: 8,
          source: 'app',
        },
        streak: { current: 1, best: 1 },
        pointsAwarded: 10,
        totalPoints: 10,
      });
      const second = await checkIn(ana, anaWater, { status: 'skipped' });
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ isNew: false, pointsAwarded: 0, totalPoints: 10 });
      expect(second.body.checkIn).toEqual(first.body.checkIn);
      expect(
        await countRows('select count(*)::int as count from habit_checkins where member_habit_id = $1', [
          anaWater,
        ]),
      ).toBe(1);
      expect(
        await countRows('select count(*)::int as count from points_ledger where member_id = $1', [ana.id]),
      ).toBe(1);
    });

    it('answers a retried request with the same clientId with its first result', async () => {
      const yesterday = localDay('Europe/Madrid', 1);
      await backdateAdoption(server, owner.creatorId, anaWater, localDay('Europe/Madrid', 6));
      const first = expectStatus(await checkIn(ana, anaWater, { date: yesterday, clientId: 'tap-42' }), 201);
      const retry = expectStatus(await checkIn(ana, anaWater, { date: yesterday, clientId: 'tap-42' }), 200);
      expect(retry.body.checkIn.id).toBe(first.body.checkIn.id);
      expect(first.body.streak).toMatchObject({ current: 2, best: 2 });
    });

    it('refuses a future date, one more than 7 days back, and one before the adoption (422, nothing recorded)', async () => {
      const cases = [
        { date: localDay('Europe/Madrid', -1), detail: /future/ },
        { date: localDay('Europe/Madrid', 8), detail: /7 days back/ },
        { date: localDay('Europe/Madrid', 7), detail: /before you adopted/ },
      ];
      for (const { date, detail } of cases) {
        const response = await checkIn(ana, anaWater, { date });
        expect(response.status, date).toBe(422);
        expect(response.body.code).toBe('VALIDATION_FAILED');
        expect(response.body.detail).toMatch(detail);
        expect(response.body.errors).toEqual([{ path: 'body.date', message: expect.any(String) }]);
      }
      const malformed = await checkIn(ana, anaWater, { date: '2025-02-30' });
      expect(malformed.status).toBe(422);
      expect(
        await countRows('select count(*)::int as count from habit_checkins where member_habit_id = $1', [
          anaWater,
        ]),
      ).toBe(2);
    });

    it('answers 404 for a habit the member has not adopted: unknown, someone else’s, or another creator’s', async () => {
      const brunoRun = await adopt(http, bruno, run.id);
      for (const id of [randomUUID(), brunoRun.id]) {
        const response = await checkIn(ana, id);
        expect(response.status, id).toBe(404);
        expect(response.body.detail).toMatch(/not adopted/);
      }
      const outsider = await habitMember(server, tokens, other.creatorId, { name: 'Outsider' });
      expect((await checkIn(outsider, anaWater)).status).toBe(404);
      expect(
        (await http.get<Body>(`/api/me/habits/${anaWater}/progress`, { token: outsider.token })).status,
      ).toBe(404);
    });

    it('uses each member’s own time zone for today', async () => {
      const kiribati = await habitMember(server, tokens, owner.creatorId, {
        name: 'Tabu',
        timezone: 'Pacific/Kiritimati',
      });
      const samoa = await habitMember(server, tokens, owner.creatorId, {
        name: 'Sina',
        timezone: 'Pacific/Pago_Pago',
      });
      const east = await adopt(http, kiribati, water.id);
      const west = await adopt(http, samoa, water.id);
      expect(east.today.date).toBe(localDay('Pacific/Kiritimati'));
      expect(west.today.date).toBe(localDay('Pacific/Pago_Pago'));
      // UTC+14 and UTC−11 are always a calendar day apart.
      expect(east.today.date).not.toBe(west.today.date);
      const checked = expectStatus(await checkIn(kiribati, east.id), 201);
      expect(checked.body.checkIn.date).toBe(localDay('Pacific/Kiritimati'));
    });
  });

  describe('leaving and coming back', () => {
    it('ends the adoption (404 for check-ins) and restarts the streak on re-adoption, keeping the history', async () => {
      const member = await habitMember(server, tokens, owner.creatorId, { name: 'Carla' });
      const adoption = await adopt(http, member, water.id);
      expectStatus(await checkIn(member, adoption.id), 201);
      expectStatus(
        await http.delete(`/api/me/habits/${adoption.id}`, undefined, { token: member.token }),
        204,
      );
      expect((await checkIn(member, adoption.id)).status).toBe(404);
      expect(
        (await http.delete(`/api/me/habits/${adoption.id}`, undefined, { token: member.token })).status,
      ).toBe(404);
      const back = expectStatus(
        await http.post<Body>('/api/me/habits', { habitId: water.id }, { token: member.token }),
        201,
      );
      expect(back.body.id).toBe(adoption.id);
      expect(back.body.today.checkIn).toMatchObject({ status: 'done' });
    });

    it('sets the member’s own reminder time', async () => {
      const list = expectStatus(await http.get<Body>('/api/me/habits', { token: ana.token }), 200).body;
      const changed = expectStatus(
        await http.patch<Body>(
          `/api/me/habits/${list.items[0].id}`,
          { reminderTime: '21:30' },
          { token: ana.token },
        ),
        200,
      );
      expect(changed.body.reminderTime).toBe('21:30');
      expect(
        (
          await http.patch<Body>(
            `/api/me/habits/${list.items[0].id}`,
            { reminderTime: '25:00' },
            { token: ana.token },
          )
        ).status,
      ).toBe(422);
    });
  });

  describe('progress', () => {
    it('keeps a Tuesday/Thursday streak through the Wednesdays and reports weekly adherence', async () => {
      const member = await habitMember(server, tokens, owner.creatorId, { name: 'Dani', timezone: 'UTC' });
      const adoption = await adopt(http, member, run.id);
      const today = localDay('UTC');
      // The last six Tuesdays and Thursdays before today, plus a Wednesday extra run.
      const scheduled: string[] = [];
      for (let back = 1; scheduled.length < 6; back += 1) {
        const date = localDay('UTC', back);
        const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
        if (weekday === 2 || weekday === 4) scheduled.push(date);
      }
      const startedOn = scheduled.at(-1)!;
      await backdateAdoption(server, owner.creatorId, adoption.id, startedOn);
      // An extra run on a Wednesday neither extends nor breaks the streak.
      const tuesday = scheduled.find((date) => new Date(`${date}T00:00:00Z`).getUTCDay() === 2)!;
      const wednesday = addDays(tuesday, 1);
      await seedCheckIns(server, owner.creatorId, adoption.id, [
        ...scheduled.map((date) => ({ date })),
        ...(wednesday < today ? [{ date: wednesday }] : []),
      ]);
      const progress = expectStatus(
        await http.get<Body>(`/api/me/habits/${adoption.id}/progress?from=${startedOn}&to=${today}`, {
          token: member.token,
        }),
        200,
      ).body;
      expect(progress.streak).toEqual({ current: 6, best: 6, unit: 'day', currentSince: startedOn });
      expect(
        progress.adherence.filter((week: Body) => week.isComplete).every((week: Body) => week.rate === 1),
      ).toBe(true);
      expect(progress.checkIns.length).toBeGreaterThanOrEqual(6);
    });

    it('answers the Progress screen: habits, calendar, points, level and achievements', async () => {
      const body = expectStatus(await http.get<Body>('/api/me/progress', { token: ana.token }), 200).body;
      expect(body).toMatchObject({
        today: localDay('Europe/Madrid'),
        timezone: 'Europe/Madrid',
        to: localDay('Europe/Madrid'),
        points: 20,
        level: { level: 1, name: 'Starter', minPoints: 0, nextLevelPoints: 100 },
        achievements: [],
        isAtRisk: false,
      });
      expect(body.calendar).toHaveLength(84);
      expect(body.calendar.at(-1)).toMatchObject({ date: localDay('Europe/Madrid'), scheduled: 1, done: 1 });
      expect(body.habits[0]).toMatchObject({ habit: { name: 'Drink water' }, streak: { current: 2 } });
    });

    it('refuses a reversed or too wide range', async () => {
      expect(
        (await http.get<Body>('/api/me/progress?from=2025-03-10&to=2025-03-01', { token: ana.token })).status,
      ).toBe(422);
      expect(
        (await http.get<Body>('/api/me/progress?from=2023-01-01&to=2025-03-01', { token: ana.token })).status,
      ).toBe(422);
    });

    it('exports everything habits and gamification keep about the member (GDPR)', async () => {
      const exported = await withTenant(server.runtime.db, owner.creatorId, (tx) =>
        exportMemberHabitData(tx, ana.id),
      );
      expect(exported.adoptions).toEqual([
        expect.objectContaining({ habit: { id: water.id, name: 'Drink water' } }),
      ]);
      expect(exported.checkIns.map((checkIn) => checkIn.date)).toEqual([
        localDay('Europe/Madrid', 1),
        localDay('Europe/Madrid'),
      ]);
      expect(exported.points.total).toBe(20);
      expect(exported.points.ledger.map((entry) => entry.type)).toEqual(['checkin', 'checkin']);
      // Another creator's transaction sees none of it.
      const elsewhere = await withTenant(server.runtime.db, other.creatorId, (tx) =>
        exportMemberHabitData(tx, ana.id),
      );
      expect(elsewhere).toMatchObject({
        profile: null,
        adoptions: [],
        checkIns: [],
        points: { total: 0, ledger: [] },
      });
    });

    it('shows the creator the same progress, and only for their own members', async () => {
      const body = expectStatus(
        await http.get<Body>(`/api/hub/members/${ana.id}/progress`, { token: owner.token }),
        200,
      ).body;
      expect(body.points).toBe(20);
      expect(
        (await http.get<Body>(`/api/hub/members/${ana.id}/progress`, { token: other.token })).status,
      ).toBe(404);
    });
  });

  describe('profile and leaderboard', () => {
    it('validates the profile: a real time zone, and a display name to join the leaderboard', async () => {
      const badZone = await http.patch<Body>(
        '/api/me/profile',
        { timezone: 'Mars/Base' },
        { token: bruno.token },
      );
      expect(badZone.status).toBe(422);
      expect(badZone.body.errors).toEqual([{ path: 'body.timezone', message: 'Unknown time zone' }]);
      const noName = await http.patch<Body>(
        '/api/me/profile',
        { leaderboardOptIn: true },
        { token: bruno.token },
      );
      expect(noName.status).toBe(422);
      expect(noName.body.errors[0].path).toBe('body.displayName');
      const ok = expectStatus(
        await http.patch<Body>(
          '/api/me/profile',
          { displayName: 'B-Runner', leaderboardOptIn: true },
          { token: bruno.token },
        ),
        200,
      );
      expect(ok.body).toMatchObject({
        displayName: 'B-Runner',
        leaderboardOptIn: true,
        timezone: 'America/New_York',
        points: 0,
      });
    });

    it('shows only opted-in members, by the display names they chose, once the creator enables it', async () => {
      const disabled = expectStatus(
        await http.get<Body>('/api/me/leaderboard', { token: ana.token }),
        200,
      ).body;
      expect(disabled).toMatchObject({ isEnabled: false, entries: [] });

      expectStatus(
        await http.request<Body>('PUT', '/api/hub/gamification/settings', {
          body: { leaderboardEnabled: true },
          token: owner.token,
        }),
        200,
      );
      // Ana has points but has not opted in (her real name must not appear); Bruno opted in.
      const board = expectStatus(
        await http.get<Body>('/api/me/leaderboard', { token: bruno.token }),
        200,
      ).body;
      expect(board.isEnabled).toBe(true);
      expect(board.entries).toEqual([{ rank: 1, displayName: 'B-Runner', points: 0, level: 1, isMe: true }]);
      expect(JSON.stringify(board)).not.toContain('Ana');
      expect(board.me).toEqual({ isOptedIn: true, displayName: 'B-Runner', rank: 1, points: 0 });

      expectStatus(
        await http.patch<Body>(
          '/api/me/profile',
          { displayName: 'Water Queen', leaderboardOptIn: true },
          { token: ana.token },
        ),
        200,
      );
      const both = expectStatus(await http.get<Body>('/api/me/leaderboard', { token: ana.token }), 200).body;
      expect(both.entries.map((entry: Body) => [entry.rank, entry.displayName, entry.isMe])).toEqual([
        [1, 'Water Queen', true],
        [2, 'B-Runner', false],
      ]);
      expect(both.me.rank).toBe(1);
    });
  });
});
