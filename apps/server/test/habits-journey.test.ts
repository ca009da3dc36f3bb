import { backends } from '@companero/testing/backends';
import { type Body, type Creator, expectStatus, registerCreator } from '@companero/testing/creator-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeTestServer } from '../../../services/ai-engine/test/knowledge-test-server';
import {
  connectWs,
  eventually,
  openWidgetMember,
  startChannelServer,
} from '../../../services/channel/test/channel-test-server';
import { startFakeBotApi } from '../../../services/channel/test/fake-bot-api';
import {
  connectTelegramBot,
  newChatId,
  ownerQuery,
  publicUrl,
  telegramUpdate,
} from '../../../services/channel/test/provider-fixtures';
import { enrollMembers, publishProgram } from './program-fixtures';

/**
 * Habits and gamification through the channels: a member who writes "did my water" on the widget gets the
 * check-in recorded and answered with its streak (not a coach answer), a program completed and a first message
 * earn points, and an achievement the creator wants announced arrives as a coach message.
 */
describe.each(backends())('habits and points from the channels on $name', (backend) => {
  let channel: KnowledgeTestServer;
  let owner: Creator;

  beforeAll(async () => {
    channel = await startChannelServer(backend, { PROGRAM_SCHEDULER_INTERVAL_MS: '100' });
    owner = await registerCreator(channel.http, 'habits-journey');
  });
  afterAll(async () => channel?.close());

  it('records a check-in from a plain reply once, answers with the streak, and announces the achievement', async () => {
    const { http } = channel;
    const habit = expectStatus(
      await http.post<Body>(
        '/api/hub/habits',
        { name: 'Drink water', schedule: { type: 'daily' }, keywords: ['water'] },
        { token: owner.token },
      ),
      201,
    ).body;
    expectStatus(
      await http.post<Body>(
        '/api/hub/achievements',
        { name: 'First sip', rule: { event: 'checkin', count: 1 }, points: 20 },
        { token: owner.token },
      ),
      201,
    );
    const settings = expectStatus(
      await http.get<Body>('/api/hub/gamification/settings', { token: owner.token }),
      200,
    ).body;
    expectStatus(
      await http.request<Body>('PUT', '/api/hub/gamification/settings', {
        token: owner.token,
        body: { ...settings, announceAwards: true },
      }),
      200,
    );

    const member = await openWidgetMember(http, owner.slug, { body: { name: 'Ana Water' } });
    expectStatus(
      await http.post<Body>('/api/me/habits', { habitId: habit.id }, { token: member.token }),
      201,
    );
    const client = await connectWs(channel.baseUrl, member.token, { channel: 'widget' });
    await client.waitFor((frame) => frame.type === 'ready');

    client.send({ type: 'message', clientId: 'water-1', text: 'did my water' });
    const answer = await client.waitFor(
      (frame) =>
        frame.type === 'message' && frame.message.direction === 'out' && frame.message.author === 'system',
    );
    expect(answer.message.content).toMatch(/Drink water/);
    const announcement = await client.waitFor(
      (frame) =>
        frame.type === 'message' && frame.message.direction === 'out' && frame.message.author === 'coach',
    );
    expect(announcement.message.content).toContain('First sip');

    // The same message re-sent by the client (same clientId) records nothing new.
    client.send({ type: 'message', clientId: 'water-1', text: 'did my water' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const progress = await eventually(async () => {
      const body = expectStatus(await http.get<Body>('/api/me/progress', { token: member.token }), 200).body;
      return body.habits[0]?.streak?.current === 1 ? body : undefined;
    });
    // first message 5 + check-in 10 + achievement 20 (the defaults and the achievement's points).
    expect(progress.points).toBe(35);
    expect((progress.achievements as Body[]).find((entry) => entry.name === 'First sip')?.isUnlocked).toBe(
      true,
    );
    const coachAnswers = client.frames.filter(
      (frame) => frame.type === 'message' && frame.message.direction === 'out',
    );
    expect(coachAnswers).toHaveLength(2);
    await client.close();
  });

  it('pays a program step and a completed program once each', async () => {
    const { http } = channel;
    const member = await openWidgetMember(http, owner.slug, { body: { name: 'Pau Program' } });
    const program = await publishProgram(http, owner.token, {
      name: 'Hello points',
      graph: {
        nodes: [
          { id: 'start', type: 'start', data: { triggers: [{ type: 'manual' }] } },
          { id: 'hello', type: 'message', data: { text: 'Welcome aboard!' } },
          { id: 'end', type: 'end', data: {} },
        ],
        edges: [
          { id: 'a', source: 'start', target: 'hello' },
          { id: 'b', source: 'hello', target: 'end' },
        ],
      },
    });
    await enrollMembers(http, owner.token, program.id, [member.memberId]);
    const progress = await eventually(async () => {
      const body = expectStatus(await http.get<Body>('/api/me/progress', { token: member.token }), 200).body;
      return body.points >= 110 ? body : undefined;
    });
    // Two completed steps (message, end) × 5 + the completed program 100.
    expect(progress.points).toBe(110);
  });
  it("lets a program branch on the member's habit streak", async () => {
    const { http } = channel;
    const habit = expectStatus(
      await http.post<Body>(
        '/api/hub/habits',
        { name: 'Read', schedule: { type: 'daily' } },
        { token: owner.token },
      ),
      201,
    ).body;
    const reader = await openWidgetMember(http, owner.slug, { body: { name: 'Rita Reader' } });
    const adoption = expectStatus(
      await http.post<Body>('/api/me/habits', { habitId: habit.id }, { token: reader.token }),
      201,
    ).body;
    expectStatus(
      await http.post<Body>(
        `/api/me/habits/${adoption.id}/check-ins`,
        { status: 'done' },
        { token: reader.token },
      ),
      201,
    );
    const idle = await openWidgetMember(http, owner.slug, { body: { name: 'Ivan Idle' } });
    const program = await publishProgram(http, owner.token, {
      name: 'Streak branch',
      graph: {
        nodes: [
          { id: 'start', type: 'start', data: { triggers: [{ type: 'manual' }] } },
          {
            id: 'check',
            type: 'condition',
            data: { rules: [{ field: 'habit_streak', key: 'Read', op: 'gte', value: 1 }] },
          },
          { id: 'keep', type: 'message', data: { text: 'Your reading streak is alive!' } },
          { id: 'begin', type: 'message', data: { text: 'Shall we start reading today?' } },
          { id: 'end', type: 'end', data: {} },
        ],
        edges: [
          { id: 'a', source: 'start', target: 'check' },
          { id: 'b', source: 'check', target: 'keep', sourceHandle: 'true' },
          { id: 'c', source: 'check', target: 'begin', sourceHandle: 'false' },
          { id: 'd', source: 'keep', target: 'end' },
          { id: 'e', source: 'begin', target: 'end' },
        ],
      },
    });
    await enrollMembers(http, owner.token, program.id, [reader.memberId, idle.memberId]);
    const lastCoachMessage = (memberId: string) =>
      eventually(async () => {
        const { body } = expectStatus(
          await http.get<Body>(`/api/hub/members/${memberId}/messages`, { token: owner.token }),
          200,
        );
        // The program's message (the achievement the first test defined is announced too).
        return (body.items as Body[]).find(
          (message) => message.direction === 'out' && !String(message.content).startsWith('🏆'),
        )?.content as string | undefined;
      });
    expect(await lastCoachMessage(reader.memberId)).toBe('Your reading streak is alive!');
    expect(await lastCoachMessage(idle.memberId)).toBe('Shall we start reading today?');
  });
});

// Telegram only sends webhooks to public HTTPS URLs: this server says it is reached at one.
describe.each(backends())('habit check-ins from Telegram buttons on $name', (backend) => {
  let channel: KnowledgeTestServer;
  let owner: Creator;

  beforeAll(async () => {
    channel = await startChannelServer(backend, { PUBLIC_URL: publicUrl });
    owner = await registerCreator(channel.http, 'habits-telegram');
  });
  afterAll(async () => channel?.close());

  it('records a Telegram "Done ✅" button press once, however often Telegram delivers it', async () => {
    const { http } = channel;
    const botApi = await startFakeBotApi();
    try {
      const bot = await connectTelegramBot(http, owner, botApi);
      const chatId = newChatId();
      const first = telegramUpdate('private-text-message.json', { chatId, text: 'Hi coach' });
      expect((await botApi.deliver(bot.token, first, channel.baseUrl)).status).toBe(200);
      const [sender] = await eventually(async () => {
        const rows = await ownerQuery<{ memberId: string }>(
          channel.server,
          `select member_id as "memberId" from messages where channel = 'telegram' and provider_message_id = $1`,
          [`${bot.botId}:${first.update_id}`],
        );
        return rows.length > 0 ? rows : undefined;
      });
      const habit = expectStatus(
        await http.post<Body>(
          '/api/hub/habits',
          { name: 'Stretch', schedule: { type: 'daily' } },
          { token: owner.token },
        ),
        201,
      ).body;
      // The member adopted it in the app (set up directly: adoption is not what this test is about).
      const [adoption] = await ownerQuery<{ id: string }>(
        channel.server,
        `insert into member_habits (creator_id, member_id, habit_id, started_on)
         values ($1, $2, $3, current_date - 1) returning id`,
        [owner.creatorId, sender!.memberId, habit.id],
      );
      const press = telegramUpdate('callback-query.json', { chatId, bot });
      press.callback_query.data = `habit:${adoption!.id}:done`;
      for (let delivery = 0; delivery < 2; delivery += 1)
        expect((await botApi.deliver(bot.token, press, channel.baseUrl)).status).toBe(200);
      const checkIns = await eventually(async () => {
        const rows = await ownerQuery<{ status: string; source: string }>(
          channel.server,
          'select status, source from habit_checkins where member_habit_id = $1',
          [adoption!.id],
        );
        return rows.length > 0 ? rows : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(
        await ownerQuery(channel.server, 'select 1 from habit_checkins where member_habit_id = $1', [
          adoption!.id,
        ]),
      ).toHaveLength(1);
      expect(checkIns[0]).toMatchObject({ status: 'done' });
    } finally {
      await botApi.close();
    }
  });
});
