import { randomUUID } from 'node:crypto';
import { type TenantTx, withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHabitServices } from '../src/habit-services';
import type { AwardAnnouncement } from '../src/ports/gamification-hooks';
import { adopt, backdateAdoption, createHabit, habitMember, localDay, memberTokens } from './habit-fixtures';
import {
  type Body,
  type Creator,
  expectStatus,
  registerCreator,
  seedMember,
  teammateToken,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

describe.each(backends())('achievements, points and gamification settings on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let tokens: ReturnType<typeof memberTokens>;
  let owner: Creator;
  let other: Creator;
  let viewer: string;

  const createAchievement = (body: Record<string, unknown>, token = owner.token) =>
    http.post<Body>('/api/hub/achievements', body, { token });
  const putSettings = (body: Record<string, unknown>, token = owner.token) =>
    http.request<Body>('PUT', '/api/hub/gamification/settings', { body, token });
  const ledgerOf = (creatorId: string, memberId: string) =>
    withTenant(server.runtime.db, creatorId, async (tx) => {
      const { rows } = await tx.query<{ type: string; key: string; points: number }>(
        `select event_type as type, event_key as key, points from points_ledger where member_id = $1 order by id`,
        [memberId],
      );
      return rows;
    });
  const awardsOf = (creatorId: string, memberId: string) =>
    withTenant(server.runtime.db, creatorId, async (tx) => {
      const { rows } = await tx.query<{ name: string }>(
        `select a.name from member_achievements ma join achievements a on a.id = ma.achievement_id
          where ma.member_id = $1 order by a.name`,
        [memberId],
      );
      return rows.map((row) => row.name);
    });

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    tokens = memberTokens(server);
    owner = await registerCreator(http, 'gamer');
    other = await registerCreator(http, 'gamer-other');
    viewer = await teammateToken(http, owner, 'viewer');
  });
  afterAll(async () => {
    tokens?.stop();
    await hub?.close();
  });

  describe('settings', () => {
    it('answers the defaults, then fills in what a partial PUT leaves out', async () => {
      const defaults = expectStatus(
        await http.get<Body>('/api/hub/gamification/settings', { token: viewer }),
        200,
      ).body;
      expect(defaults).toMatchObject({
        points: {
          checkin: 10,
          streakMilestone: 50,
          programStepCompleted: 5,
          programCompleted: 100,
          firstMessage: 5,
        },
        streakMilestones: [7, 30, 100],
        levels: [
          { name: 'Starter', minPoints: 0 },
          expect.anything(),
          expect.anything(),
          expect.anything(),
          expect.anything(),
        ],
        leaderboardEnabled: false,
        announceAwards: false,
        atRisk: { missedDays: 3, adherenceDrop: 0.3, adherenceFloor: 0.5 },
      });
      const saved = expectStatus(
        await putSettings({ points: { checkin: 3 }, streakMilestones: [3] }),
        200,
      ).body;
      expect(saved.points).toEqual({
        checkin: 3,
        streakMilestone: 50,
        programStepCompleted: 5,
        programCompleted: 100,
        firstMessage: 5,
      });
      expect(saved.streakMilestones).toEqual([3]);
      expect(
        expectStatus(await http.get<Body>('/api/hub/gamification/settings', { token: owner.token }), 200)
          .body,
      ).toEqual(saved);
    });

    it('refuses levels that do not start at 0 or do not increase, and viewers (403)', async () => {
      for (const levels of [
        [{ name: 'A', minPoints: 10 }],
        [
          { name: 'A', minPoints: 0 },
          { name: 'B', minPoints: 0 },
        ],
      ]) {
        const response = await putSettings({ levels });
        expect(response.status).toBe(422);
        expect(response.body.errors[0].path).toBe('body.levels');
      }
      expect((await putSettings({}, viewer)).status).toBe(403);
    });
  });

  describe('achievement rules', () => {
    it('creates, lists, changes and deletes an achievement', async () => {
      const created = expectStatus(
        await createAchievement({
          name: 'Ten check-ins',
          icon: '🔟',
          rule: { event: 'checkin', count: 10 },
          points: 25,
        }),
        201,
      ).body;
      expect(created).toMatchObject({
        name: 'Ten check-ins',
        rule: { event: 'checkin', count: 10 },
        points: 25,
        awardedCount: 0,
      });
      const listed = expectStatus(await http.get<Body>('/api/hub/achievements', { token: viewer }), 200).body;
      expect(listed.items.map((item: Body) => item.id)).toContain(created.id);
      const changed = expectStatus(
        await http.patch<Body>(
          `/api/hub/achievements/${created.id}`,
          { rule: { event: 'checkin', count: 12 } },
          { token: owner.token },
        ),
        200,
      ).body;
      expect(changed.rule).toEqual({ event: 'checkin', count: 12 });
      expectStatus(
        await http.delete(`/api/hub/achievements/${created.id}`, undefined, { token: owner.token }),
        204,
      );
      expect(
        (await http.delete(`/api/hub/achievements/${created.id}`, undefined, { token: owner.token })).status,
      ).toBe(404);
      expect((await createAchievement({ name: 'X', rule: { event: 'first_message' } }, viewer)).status).toBe(
        403,
      );
    });

    it('answers 422 for unknown events, code-like fields and unknown references, recording nothing', async () => {
      const before = expectStatus(await http.get<Body>('/api/hub/achievements', { token: owner.token }), 200)
        .body.items.length;
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ event: 'sunrise', count: 1 }, 'body.rule.event', /Unknown rule event: use one of checkin, streak/],
        [{ event: 'checkin', count: 1, script: 'award()' }, 'body.rule', /Unrecognized key/],
        [{ event: 'checkin' }, 'body.rule.count', /number/],
        [{ event: 'checkin', count: 1, habitId: randomUUID() }, 'body.rule.habitId', /No habit/],
        [{ event: 'program_completed', programId: randomUUID() }, 'body.rule.programId', /No program/],
        [
          { event: 'achievement', count: 1, achievementIds: [randomUUID()] },
          'body.rule.achievementIds',
          /Unknown achievements/,
        ],
        [{ event: 'achievement', count: 99 }, 'body.rule.count', /count is 99/],
        [{ all: [{ event: 'checkin', count: 1 }] }, 'body.rule.event', /Unknown rule event/],
      ];
      for (const [rule, path, message] of cases) {
        const response = await createAchievement({ name: 'Bad', rule });
        expect(response.status, JSON.stringify(rule)).toBe(422);
        expect(
          response.body.errors.map((error: Body) => error.path),
          JSON.stringify(rule),
        ).toContain(path);
        expect(JSON.stringify(response.body), JSON.stringify(rule)).toMatch(message);
      }
      // Another creator's habit is as unknown as a made-up one.
      const foreignHabit = await createHabit(http, other.token, {
        name: 'Theirs',
        schedule: { type: 'daily' },
      });
      expect(
        (
          await createAchievement({
            name: 'Bad',
            rule: { event: 'checkin', count: 1, habitId: foreignHabit.id },
          })
        ).status,
      ).toBe(422);
      const after = expectStatus(await http.get<Body>('/api/hub/achievements', { token: owner.token }), 200)
        .body.items.length;
      expect(after).toBe(before);
    });

    it('refuses achievement rules that require themselves, directly or in a cycle', async () => {
      const base = expectStatus(
        await createAchievement({ name: 'First words', rule: { event: 'first_message' } }),
        201,
      ).body;
      const first = expectStatus(
        await createAchievement({
          name: 'Collector',
          rule: { event: 'achievement', count: 1, achievementIds: [base.id] },
        }),
        201,
      ).body;
      const second = expectStatus(
        await createAchievement({
          name: 'Super collector',
          rule: { event: 'achievement', count: 1, achievementIds: [first.id] },
        }),
        201,
      ).body;
      const self = await http.patch<Body>(
        `/api/hub/achievements/${first.id}`,
        { rule: { event: 'achievement', count: 1, achievementIds: [first.id] } },
        { token: owner.token },
      );
      expect(self.status).toBe(422);
      expect(self.body.detail).toMatch(/cannot require itself/);
      const cycle = await http.patch<Body>(
        `/api/hub/achievements/${first.id}`,
        { rule: { event: 'achievement', count: 1, achievementIds: [second.id] } },
        { token: owner.token },
      );
      expect(cycle.status).toBe(422);
      expect(cycle.body.detail).toMatch(/cycle/);
      // Deleting one that another rule needs is a conflict, not a silent break.
      const referenced = await http.delete<Body>(`/api/hub/achievements/${first.id}`, undefined, {
        token: owner.token,
      });
      expect(referenced.status).toBe(409);
      for (const id of [second.id, first.id, base.id]) {
        expectStatus(
          await http.delete(`/api/hub/achievements/${id}`, undefined, { token: owner.token }),
          204,
        );
      }
    });

    it('keeps achievements per creator (404 across tenants)', async () => {
      const mine = expectStatus(
        await createAchievement({ name: 'Mine', rule: { event: 'points', threshold: 10 } }),
        201,
      ).body;
      const theirs = expectStatus(
        await http.get<Body>('/api/hub/achievements', { token: other.token }),
        200,
      ).body;
      expect(theirs.items).toEqual([]);
      expect(
        (
          await http.patch<Body>(
            `/api/hub/achievements/${mine.id}`,
            { name: 'Taken' },
            { token: other.token },
          )
        ).status,
      ).toBe(404);
      expect(
        (await http.delete<Body>(`/api/hub/achievements/${mine.id}`, undefined, { token: other.token }))
          .status,
      ).toBe(404);
      expectStatus(
        await http.delete(`/api/hub/achievements/${mine.id}`, undefined, { token: owner.token }),
        204,
      );
    });
  });

  describe('recordEvent', () => {
    let creator: Creator;
    let memberId: string;
    let programId: string;
    const announced: AwardAnnouncement[] = [];
    let services: ReturnType<typeof createHabitServices>;
    const record = (event: Parameters<typeof services.gamification.recordEvent>[1]) =>
      withTenant(server.runtime.db, creator.creatorId, (tx: TenantTx) =>
        services.gamification.recordEvent(tx, event),
      );

    beforeAll(async () => {
      creator = await registerCreator(http, 'replay');
      memberId = (await seedMember(server, creator.creatorId, { name: 'Iker', email: 'iker@example.com' }))
        .id;
      services = createHabitServices(server.runtime);
      services.habitHooks.announceAward = async (_tx, announcement) => {
        announced.push(announcement);
        return undefined;
      };
      programId = randomUUID();
      await withTenant(server.runtime.db, creator.creatorId, (tx) =>
        tx.query(
          `insert into programs (id, creator_id, name, draft) values ($1, $2, 'Reset', '{"nodes":[],"edges":[]}')`,
          [programId, creator.creatorId],
        ),
      );
      await putSettings(
        { announceAwards: true, points: { programCompleted: 40, firstMessage: 5 } },
        creator.token,
      );
      for (const body of [
        { name: 'Hello!', rule: { event: 'first_message' }, points: 1 },
        { name: 'Finisher', rule: { event: 'program_completed', programId }, points: 10 },
        { name: 'Fifty', rule: { event: 'points', threshold: 50 } },
      ]) {
        expectStatus(await createAchievement(body, creator.token), 201);
      }
      expectStatus(
        await createAchievement({ name: 'Double', rule: { event: 'achievement', count: 2 } }, creator.token),
        201,
      );
    });

    it('pays an event once and awards once, even when the same event is replayed', async () => {
      const first = await record({
        memberId,
        type: 'first_message',
        key: 'first',
        data: { channel: 'whatsapp' },
      });
      expect(first).toMatchObject({ isRecorded: true, pointsAwarded: 5 + 1, totalPoints: 6 });
      expect(first.awarded.map((award) => award.name)).toEqual(['Hello!']);
      for (let replay = 0; replay < 3; replay += 1) {
        const again = await record({
          memberId,
          type: 'first_message',
          key: 'first',
          data: { channel: 'telegram' },
        });
        expect(again).toMatchObject({ isRecorded: false, pointsAwarded: 0, totalPoints: 6, awarded: [] });
      }
      expect(await ledgerOf(creator.creatorId, memberId)).toEqual([
        { type: 'first_message', key: 'first_message:first', points: 5 },
        { type: 'achievement', key: expect.stringMatching(/^achievement:/), points: 1 },
      ]);
      expect(announced.map((entry) => entry.achievement.name)).toEqual(['Hello!']);
      expect(announced[0]!.text).toMatch(/You earned “Hello!”/);
    });

    it('chains awards in one event: the program pays, crosses a points threshold and completes a collection', async () => {
      const done = await record({
        memberId,
        type: 'program_completed',
        key: randomUUID(),
        data: { programId },
      });
      // 40 for the program + 10 for Finisher = 56 ≥ 50 → Fifty; then Hello! + Finisher make Double.
      expect(done.awarded.map((award) => award.name).sort()).toEqual(['Double', 'Fifty', 'Finisher']);
      expect(done.totalPoints).toBe(56);
      expect(done.level).toMatchObject({ level: 1, name: 'Starter' });
      const otherProgram = await record({
        memberId,
        type: 'program_completed',
        key: randomUUID(),
        data: { programId: randomUUID() },
      });
      expect(otherProgram.awarded).toEqual([]);
      expect(await awardsOf(creator.creatorId, memberId)).toEqual(['Double', 'Fifty', 'Finisher', 'Hello!']);
      expect(announced).toHaveLength(4);
    });

    it('refuses event types callers may not send', async () => {
      await expect(record({ memberId, type: 'achievement' as never, key: 'x' })).rejects.toThrow();
    });
  });

  describe('awards from check-ins', () => {
    it('awards "3 check-ins" and a 3-day streak exactly once, pays the milestone once, and shows them to the member', async () => {
      const creator = await registerCreator(http, 'streaky');
      await putSettings(
        { points: { checkin: 10, streakMilestone: 50 }, streakMilestones: [3] },
        creator.token,
      );
      const habit = await createHabit(http, creator.token, { name: 'Walk', schedule: { type: 'daily' } });
      for (const body of [
        { name: 'Three check-ins', rule: { event: 'checkin', count: 3 } },
        { name: 'Three in a row', rule: { event: 'streak', count: 3, habitId: habit.id } },
      ]) {
        expectStatus(await createAchievement(body, creator.token), 201);
      }
      const member = await habitMember(server, tokens, creator.creatorId, {
        name: 'Jon',
        timezone: 'Asia/Tokyo',
      });
      const adoption = await adopt(http, member, habit.id);
      await backdateAdoption(server, creator.creatorId, adoption.id, localDay('Asia/Tokyo', 5));
      const awardedByCall: string[][] = [];
      for (const daysAgo of [2, 1, 0, 0]) {
        const response = await http.post<Body>(
          `/api/me/habits/${adoption.id}/check-ins`,
          { date: localDay('Asia/Tokyo', daysAgo) },
          { token: member.token },
        );
        awardedByCall.push(response.body.achievementsAwarded.map((award: Body) => award.name));
      }
      expect(awardedByCall).toEqual([[], [], ['Three check-ins', 'Three in a row'], []]);
      const ledger = await ledgerOf(creator.creatorId, member.id);
      expect(ledger.filter((row) => row.type === 'checkin')).toHaveLength(3);
      expect(ledger.filter((row) => row.type === 'streak_milestone')).toEqual([
        { type: 'streak_milestone', key: `streak_milestone:${adoption.id}:3`, points: 50 },
      ]);
      const mine = expectStatus(
        await http.get<Body>('/api/me/achievements', { token: member.token }),
        200,
      ).body;
      expect(mine.items.map((item: Body) => [item.name, item.isUnlocked])).toEqual([
        ['Three check-ins', true],
        ['Three in a row', true],
      ]);
      const progress = expectStatus(
        await http.get<Body>('/api/me/progress', { token: member.token }),
        200,
      ).body;
      expect(progress.points).toBe(80);
      const hubView = expectStatus(
        await http.get<Body>(`/api/hub/members/${member.id}/progress`, { token: creator.token }),
        200,
      ).body;
      expect(hubView.achievements.filter((item: Body) => item.isUnlocked)).toHaveLength(2);
      expect(
        expectStatus(
          await http.get<Body>('/api/hub/achievements', { token: creator.token }),
          200,
        ).body.items.map((item: Body) => item.awardedCount),
      ).toEqual([1, 1]);
    });
  });
});
