import { randomUUID } from 'node:crypto';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptProgramHabits } from '../src/services/member-habits.service';
import { adopt, createHabit, habitMember, memberTokens } from './habit-fixtures';
import { type Body, type Creator, expectStatus, registerCreator, teammateToken } from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

/** A published program with the member enrolled, written as the program engine stores them. */
const enrollInProgram = (server: TestServer, creatorId: string, memberId: string) =>
  withTenant(server.runtime.db, creatorId, async (tx) => {
    const graph = {
      nodes: [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { triggers: [] } }],
      edges: [],
    };
    const { rows: programs } = await tx.query<{ id: string }>(
      `insert into programs (creator_id, name, draft, latest_version) values ($1, '21-day reset', $2::jsonb, 1) returning id`,
      [creatorId, JSON.stringify(graph)],
    );
    const programId = programs[0]!.id;
    const { rows: versions } = await tx.query<{ id: string }>(
      `insert into program_versions (creator_id, program_id, version, graph) values ($1, $2, 1, $3::jsonb) returning id`,
      [creatorId, programId, JSON.stringify(graph)],
    );
    if (memberId) {
      await tx.query(
        `insert into program_enrollments (creator_id, program_id, version_id, member_id) values ($1, $2, $3, $4)`,
        [creatorId, programId, versions[0]!.id, memberId],
      );
    }
    return programId;
  });

describe.each(backends())('habit templates (/api/hub/habits) on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let tokens: ReturnType<typeof memberTokens>;
  let owner: Creator;
  let other: Creator;
  let viewer: string;
  let editor: string;

  const list = async (token: string) =>
    expectStatus(await http.get<Body>('/api/hub/habits', { token }), 200).body.items as Body[];

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    tokens = memberTokens(server);
    owner = await registerCreator(http, 'habit-owner');
    other = await registerCreator(http, 'habit-other');
    viewer = await teammateToken(http, owner, 'viewer');
    editor = await teammateToken(http, owner, 'editor');
  });
  afterAll(async () => {
    tokens?.stop();
    await hub?.close();
  });

  it('creates, lists, changes and archives a habit, and audits each change', async () => {
    const created = await createHabit(http, editor, {
      name: '  Meditate ',
      description: 'Ten quiet minutes',
      icon: '🧘',
      schedule: { type: 'times_per_week', times: 3 },
      target: { amount: 10, unit: 'minutes' },
      reminderTime: '07:30',
      keywords: ['meditation', 'meditated', 'meditation'],
    });
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Meditate',
      description: 'Ten quiet minutes',
      icon: '🧘',
      schedule: { type: 'times_per_week', times: 3 },
      target: { amount: 10, unit: 'minutes' },
      reminderTime: '07:30',
      keywords: ['meditation', 'meditated'],
      isOfferedToAll: true,
      programIds: [],
      activeMembers: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await list(viewer)).map((habit) => habit.id)).toContain(created.id);

    const changed = expectStatus(
      await http.patch<Body>(
        `/api/hub/habits/${created.id}`,
        { schedule: { type: 'weekdays', weekdays: [1, 3, 5] }, target: null },
        { token: editor },
      ),
      200,
    ).body;
    expect(changed).toMatchObject({
      name: 'Meditate',
      schedule: { type: 'weekdays', weekdays: [1, 3, 5] },
      target: null,
    });

    const member = await habitMember(server, tokens, owner.creatorId, { name: 'Eva' });
    const adoption = await adopt(http, member, created.id);
    expect((await list(owner.token)).find((habit) => habit.id === created.id)?.activeMembers).toBe(1);

    expectStatus(await http.delete(`/api/hub/habits/${created.id}`, undefined, { token: editor }), 204);
    expect((await list(owner.token)).map((habit) => habit.id)).not.toContain(created.id);
    expect(
      (await http.patch<Body>(`/api/hub/habits/${created.id}`, { name: 'X' }, { token: editor })).status,
    ).toBe(404);
    // The adoption ended with the habit: the member can no longer check in, and it left their list.
    const checkIn = await http.post<Body>(
      `/api/me/habits/${adoption.id}/check-ins`,
      {},
      { token: member.token },
    );
    expect(checkIn.status).toBe(404);
    const mine = expectStatus(await http.get<Body>('/api/me/habits', { token: member.token }), 200).body;
    expect(mine.items).toEqual([]);

    const audit = expectStatus(await http.get<Body>('/api/auth/audit', { token: owner.token }), 200).body;
    const actions = audit.items.map((entry: Body) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['habit.created', 'habit.updated', 'habit.archived']));
  });

  it('lets viewers read but not write (403), and keeps members out', async () => {
    expect(
      (
        await http.post<Body>(
          '/api/hub/habits',
          { name: 'X', schedule: { type: 'daily' } },
          { token: viewer },
        )
      ).status,
    ).toBe(403);
    const habit = await createHabit(http, owner.token, { name: 'Stretch', schedule: { type: 'daily' } });
    expect(
      (await http.patch<Body>(`/api/hub/habits/${habit.id}`, { name: 'Y' }, { token: viewer })).status,
    ).toBe(403);
    expect(
      (await http.delete<Body>(`/api/hub/habits/${habit.id}`, undefined, { token: viewer })).status,
    ).toBe(403);
    expect((await http.post<Body>('/api/hub/habits/at-risk/scan', {}, { token: editor })).status).toBe(403);
    const member = await habitMember(server, tokens, owner.creatorId, { name: 'Fer' });
    expect((await http.get<Body>('/api/hub/habits', { token: member.token })).status).toBe(403);
  });

  it('answers 422 with the field for bad schedules, targets, times and unknown fields', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'A', schedule: { type: 'hourly' } }, 'body.schedule.type'],
      [{ name: 'A', schedule: { type: 'weekdays', weekdays: [2, 2] } }, 'body.schedule.weekdays'],
      [{ name: 'A', schedule: { type: 'weekdays', weekdays: [7] } }, 'body.schedule.weekdays.0'],
      [{ name: 'A', schedule: { type: 'times_per_week', times: 0 } }, 'body.schedule.times'],
      [{ name: 'A', schedule: { type: 'daily' }, target: { amount: -1, unit: 'km' } }, 'body.target.amount'],
      [{ name: 'A', schedule: { type: 'daily' }, reminderTime: '7am' }, 'body.reminderTime'],
      [{ name: '', schedule: { type: 'daily' } }, 'body.name'],
      [{ name: 'A', schedule: { type: 'daily' }, script: 'alert(1)' }, 'body'],
    ];
    for (const [body, path] of cases) {
      const response = await http.post<Body>('/api/hub/habits', body, { token: editor });
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(
        response.body.errors.map((error: Body) => error.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    const unknownType = await http.post<Body>(
      '/api/hub/habits',
      { name: 'A', schedule: { type: 'hourly' } },
      { token: editor },
    );
    expect(JSON.stringify(unknownType.body.errors)).toContain('Use type daily, times_per_week or weekdays');
  });

  it('offers a program habit only to the program’s members, and checks the programs exist', async () => {
    const enrolled = await habitMember(server, tokens, owner.creatorId, { name: 'Gil' });
    const outsider = await habitMember(server, tokens, owner.creatorId, { name: 'Hana' });
    const programId = await enrollInProgram(server, owner.creatorId, enrolled.id);
    const unknownProgram = await http.post<Body>(
      '/api/hub/habits',
      { name: 'Cold shower', schedule: { type: 'daily' }, isOfferedToAll: false, programIds: [randomUUID()] },
      { token: editor },
    );
    expect(unknownProgram.status).toBe(422);
    expect(unknownProgram.body.errors[0].path).toBe('body.programIds');
    const noAudience = await http.post<Body>(
      '/api/hub/habits',
      { name: 'Cold shower', schedule: { type: 'daily' }, isOfferedToAll: false },
      { token: editor },
    );
    expect(noAudience.status).toBe(422);
    // Another creator's program is unknown here too.
    const foreignProgram = await enrollInProgram(server, other.creatorId, '');
    expect(
      (
        await http.post<Body>(
          '/api/hub/habits',
          {
            name: 'Cold shower',
            schedule: { type: 'daily' },
            isOfferedToAll: false,
            programIds: [foreignProgram],
          },
          { token: editor },
        )
      ).status,
    ).toBe(422);

    const habit = await createHabit(http, editor, {
      name: 'Cold shower',
      schedule: { type: 'daily' },
      isOfferedToAll: false,
      programIds: [programId],
    });
    expect(habit.programIds).toEqual([programId]);
    const offeredToEnrolled = expectStatus(
      await http.get<Body>('/api/me/habits', { token: enrolled.token }),
      200,
    ).body;
    expect(offeredToEnrolled.available.map((entry: Body) => entry.id)).toContain(habit.id);
    const offeredToOutsider = expectStatus(
      await http.get<Body>('/api/me/habits', { token: outsider.token }),
      200,
    ).body;
    expect(offeredToOutsider.available.map((entry: Body) => entry.id)).not.toContain(habit.id);
    expect(
      (await http.post<Body>('/api/me/habits', { habitId: habit.id }, { token: outsider.token })).status,
    ).toBe(404);
    // The program engine adopts the program's habits for the members it enrolls, once.
    const adopted = await withTenant(server.runtime.db, owner.creatorId, (tx) =>
      adoptProgramHabits(tx, { memberId: enrolled.id, programId }),
    );
    expect(adopted).toHaveLength(1);
    const again = await withTenant(server.runtime.db, owner.creatorId, (tx) =>
      adoptProgramHabits(tx, { memberId: enrolled.id, programId }),
    );
    expect(again).toEqual([]);
    const mine = expectStatus(await http.get<Body>('/api/me/habits', { token: enrolled.token }), 200).body;
    expect(mine.items.map((item: Body) => item.habit.id)).toEqual([habit.id]);
  });

  it('keeps creators apart: another creator neither sees nor changes the habits (404)', async () => {
    const habit = await createHabit(http, owner.token, { name: 'Journal', schedule: { type: 'daily' } });
    expect((await list(other.token)).map((entry) => entry.id)).not.toContain(habit.id);
    expect(
      (await http.patch<Body>(`/api/hub/habits/${habit.id}`, { name: 'Mine' }, { token: other.token }))
        .status,
    ).toBe(404);
    expect(
      (await http.delete<Body>(`/api/hub/habits/${habit.id}`, undefined, { token: other.token })).status,
    ).toBe(404);
    expect((await list(owner.token)).find((entry) => entry.id === habit.id)?.name).toBe('Journal');
    // And the database refuses a cross-tenant write outright.
    const written = await withTenant(server.runtime.db, other.creatorId, (tx) =>
      tx.query("update habits set name = 'Stolen' where id = $1", [habit.id]),
    );
    expect(written.rowCount).toBe(0);
    await expect(
      withTenant(server.runtime.db, other.creatorId, (tx) =>
        tx.query(
          `insert into habits (creator_id, name, schedule) values ($1, 'Planted', '{"type":"daily"}')`,
          [owner.creatorId],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('documents the habit and gamification endpoints in OpenAPI', async () => {
    const document = expectStatus(await http.get<Body>('/openapi.json'), 200).body;
    for (const [path, method] of [
      ['/api/hub/habits', 'post'],
      ['/api/hub/habits/{id}', 'patch'],
      ['/api/hub/habits/at-risk', 'get'],
      ['/api/hub/achievements', 'post'],
      ['/api/hub/achievements/{id}', 'delete'],
      ['/api/hub/gamification/settings', 'put'],
      ['/api/hub/members/{id}/progress', 'get'],
      ['/api/me/habits', 'post'],
      ['/api/me/habits/{id}/check-ins', 'post'],
      ['/api/me/progress', 'get'],
      ['/api/me/leaderboard', 'get'],
      ['/api/me/profile', 'patch'],
    ] as const) {
      expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    for (const schema of [
      'Habit',
      'HabitSchedule',
      'AchievementRule',
      'GamificationSettings',
      'MemberProgress',
      'CheckInResult',
    ]) {
      expect(document.components.schemas[schema], schema).toBeDefined();
    }
  });
});
