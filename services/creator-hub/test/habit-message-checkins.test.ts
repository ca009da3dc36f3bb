import { randomUUID } from 'node:crypto';
import { habitCheckInPayload } from '@companero/contracts/creator-hub/habits';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHabitServices } from '../src/habit-services';
import type { MessageCheckInInput } from '../src/services/habit-checkins.service';
import { adopt, createHabit, type HabitMember, habitMember, localDay, memberTokens } from './habit-fixtures';
import { type Body, type Creator, registerCreator } from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

describe.each(backends())('check-ins from channel messages on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;
  let tokens: ReturnType<typeof memberTokens>;
  let owner: Creator;
  let services: ReturnType<typeof createHabitServices>;
  let member: HabitMember;
  let run: Body;
  let water: Body;

  const fromMessage = (input: Omit<MessageCheckInInput, 'memberId'> & { memberId?: string }) =>
    withTenant(server.runtime.db, owner.creatorId, (tx) =>
      services.habitCheckIns.fromMessage(tx, { memberId: member.id, ...input }),
    );
  const rowsFor = (memberHabitId: string) =>
    withTenant(server.runtime.db, owner.creatorId, async (tx) => {
      const { rows } = await tx.query<{ date: string; status: string; source: string }>(
        `select occurred_on::text as date, status, source from habit_checkins where member_habit_id = $1 order by occurred_on`,
        [memberHabitId],
      );
      return rows;
    });
  const pointsOf = (memberId: string) =>
    withTenant(server.runtime.db, owner.creatorId, async (tx) => {
      const { rows } = await tx.query<{ points: number }>(
        'select points from member_points where member_id = $1',
        [memberId],
      );
      return rows[0]?.points ?? 0;
    });

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
    tokens = memberTokens(server);
    services = createHabitServices(server.runtime);
    owner = await registerCreator(http, 'inbound');
    member = await habitMember(server, tokens, owner.creatorId, { name: 'Kai', timezone: 'Europe/Lisbon' });
    const runHabit = await createHabit(http, owner.token, {
      name: 'Morning run',
      schedule: { type: 'daily' },
      keywords: ['ran'],
    });
    const waterHabit = await createHabit(http, owner.token, {
      name: 'Drink water',
      schedule: { type: 'daily' },
    });
    run = await adopt(http, member, runHabit.id);
    water = await adopt(http, member, waterHabit.id);
  });
  afterAll(async () => {
    tokens?.stop();
    await hub?.close();
  });

  it('records a Telegram “Done ✅” button once per message id, and once per occurrence', async () => {
    const messageId = randomUUID();
    const pressed = await fromMessage({
      messageId,
      text: 'Done ✅',
      payload: habitCheckInPayload(run.id, 'done'),
      channel: 'telegram',
    });
    expect(pressed).toMatchObject({
      outcome: 'recorded',
      habit: { memberHabitId: run.id, name: 'Morning run' },
      checkIn: {
        date: localDay('Europe/Lisbon'),
        status: 'done',
        source: 'telegram',
        sourceMessageId: messageId,
      },
      streak: { current: 1 },
      pointsAwarded: 10,
      isBareCheckIn: true,
    });
    expect(pressed.outcome === 'recorded' && pressed.reply).toMatch(/Morning run” logged/);

    // The provider re-delivers the same update: the same answer, nothing new.
    const redelivered = await fromMessage({
      messageId,
      text: 'Done ✅',
      payload: habitCheckInPayload(run.id, 'done'),
      channel: 'telegram',
    });
    expect(redelivered).toMatchObject({ outcome: 'duplicate_message', pointsAwarded: 0 });
    // A second press (another message) for the same day: already checked in.
    const again = await fromMessage({
      messageId: randomUUID(),
      text: 'Skip',
      payload: habitCheckInPayload(run.id, 'skip'),
    });
    expect(again).toMatchObject({ outcome: 'already_checked_in', checkIn: { status: 'done' } });
    expect(await rowsFor(run.id)).toEqual([
      { date: localDay('Europe/Lisbon'), status: 'done', source: 'telegram' },
    ]);
    expect(await pointsOf(member.id)).toBe(10);
  });

  it('understands a plain WhatsApp reply and a skip', async () => {
    const reply = await fromMessage({
      messageId: randomUUID(),
      text: 'done with water 💧',
      channel: 'whatsapp',
    });
    expect(reply).toMatchObject({
      outcome: 'recorded',
      habit: { name: 'Drink water' },
      checkIn: { source: 'whatsapp' },
    });
    const yesterday = await fromMessage({
      messageId: randomUUID(),
      text: 'skipped my run yesterday',
      channel: 'whatsapp',
    });
    expect(yesterday).toMatchObject({ outcome: 'not_a_check_in', reason: 'invalid_date' });
    expect(await rowsFor(water.id)).toHaveLength(1);
  });

  it('answers why it recorded nothing, with the habits it could mean', async () => {
    expect(await fromMessage({ messageId: randomUUID(), text: 'what should I eat before a run?' })).toEqual({
      outcome: 'not_a_check_in',
      reason: 'no_intent',
      candidates: [],
    });
    expect(await fromMessage({ messageId: randomUUID(), text: 'done!' })).toEqual({
      outcome: 'not_a_check_in',
      reason: 'no_habit_mentioned',
      candidates: [
        { memberHabitId: run.id, name: 'Morning run' },
        { memberHabitId: water.id, name: 'Drink water' },
      ],
    });
    expect(await fromMessage({ messageId: randomUUID(), text: 'did my run and drank water' })).toMatchObject({
      outcome: 'not_a_check_in',
      reason: 'ambiguous',
    });
  });

  it('ignores a button for a habit the member does not have (another member’s, or made up)', async () => {
    const someoneElse = await habitMember(server, tokens, owner.creatorId, { name: 'Lia' });
    const theirs = await adopt(
      http,
      someoneElse,
      (await createHabit(http, owner.token, { name: 'Read', schedule: { type: 'daily' } })).id,
    );
    for (const memberHabitId of [theirs.id, randomUUID()]) {
      const result = await fromMessage({
        messageId: randomUUID(),
        text: 'Done ✅',
        payload: habitCheckInPayload(memberHabitId, 'done'),
      });
      expect(result).toMatchObject({ outcome: 'not_a_check_in', reason: 'unknown_habit' });
    }
    expect(await rowsFor(theirs.id)).toEqual([]);
  });
});
