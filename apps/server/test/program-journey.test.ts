import { backends } from '@companero/testing/backends';
import { type Body, type Creator, expectStatus, registerCreator } from '@companero/testing/creator-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ingestFixture,
  type KnowledgeTestServer,
} from '../../../services/ai-engine/test/knowledge-test-server';
import {
  connectWs,
  eventually,
  openWidgetMember,
  startChannelServer,
  type WsClient,
} from '../../../services/channel/test/channel-test-server';
import { enrollMembers, publishProgram } from './program-fixtures';

/** "7-day morning check-in": wait until 08:00 member-local, ask how they feel, branch, AI encouragement, end. */
const morningCheckIn = {
  nodes: [
    { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: { triggers: [{ type: 'manual' }] } },
    { id: 'morning', type: 'wait', position: { x: 0, y: 100 }, data: { mode: 'until', time: '08:00' } },
    {
      id: 'how',
      type: 'ask',
      position: { x: 0, y: 200 },
      data: {
        text: 'Good morning {{member.firstName}}! How do you feel today?',
        quickReplies: ['Great', 'Low'],
        branches: [
          { id: 'great', label: 'Great', match: { kind: 'choice', value: 'Great' } },
          { id: 'low', label: 'Low', match: { kind: 'choice', value: 'Low' } },
        ],
        timeout: { amount: 12, unit: 'hours' },
        saveAs: 'mood',
      },
    },
    {
      id: 'cheer',
      type: 'message',
      position: { x: -200, y: 300 },
      data: { text: 'Wonderful, {{member.firstName}}! Keep that energy.' },
    },
    {
      id: 'encourage',
      type: 'ai_message',
      position: { x: 200, y: 300 },
      data: { instruction: 'Encourage them to keep their habit streak after a low day', useKnowledge: true },
    },
    { id: 'done', type: 'end', position: { x: 0, y: 400 }, data: {} },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'morning', sourceHandle: 'next' },
    { id: 'e2', source: 'morning', target: 'how', sourceHandle: 'next' },
    { id: 'e3', source: 'how', target: 'cheer', sourceHandle: 'great' },
    { id: 'e4', source: 'how', target: 'encourage', sourceHandle: 'low' },
    { id: 'e5', source: 'how', target: 'done', sourceHandle: 'other' },
    { id: 'e6', source: 'how', target: 'done', sourceHandle: 'timeout' },
    { id: 'e7', source: 'cheer', target: 'done', sourceHandle: 'next' },
    { id: 'e8', source: 'encourage', target: 'done', sourceHandle: 'next' },
  ],
};

const coachMessages = (client: WsClient) =>
  client.frames.filter((frame) => frame.type === 'message' && frame.message.direction === 'out');

/**
 * The program journey through the real interfaces of the all-in-one server: the hub API builds and publishes
 * the program, the engine runs it on the server's workers with a clock the test moves, and the member reads
 * and answers on the widget's WebSocket.
 */
describe.each(backends())('a morning check-in program, end to end, on $name', (backend) => {
  let channel: KnowledgeTestServer;
  let owner: Creator;
  let clockOffsetMs = 0;
  const now = () => new Date(Date.now() + clockOffsetMs);

  beforeAll(async () => {
    channel = await startChannelServer(backend, { PROGRAM_SCHEDULER_INTERVAL_MS: '100' }, { now });
    owner = await registerCreator(channel.http, 'programs-journey');
    await ingestFixture(channel, owner.token, 'building-habits.txt');
  });
  afterAll(async () => channel?.close());

  it('messages the member at 08:00 their time, routes their answer to the branch, and ends', async () => {
    const member = await openWidgetMember(channel.http, owner.slug, {
      body: { name: 'Dana Smith', timezone: 'America/New_York' },
    });
    const client = await connectWs(channel.baseUrl, member.token, { channel: 'widget' });
    await client.waitFor((frame) => frame.type === 'ready');

    const program = await publishProgram(channel.http, owner.token, {
      name: '7-day morning check-in',
      graph: morningCheckIn,
    });
    const enrolled = await enrollMembers(channel.http, owner.token, program.id, [member.memberId]);
    expect(enrolled.enrolled).toEqual([member.memberId]);

    // The enrollment waits for the next 08:00 in New York.
    const waiting = await eventually(async () => {
      const list = expectStatus(
        await channel.http.get<Body>(`/api/hub/programs/${program.id}/enrollments`, { token: owner.token }),
        200,
      ).body;
      const enrollment = list.items[0];
      return enrollment?.currentNodeId === 'morning' && enrollment.wakeAt ? enrollment : undefined;
    });
    const wakeAt = new Date(waiting.wakeAt);
    const newYorkTime = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'America/New_York',
      hour: '2-digit',
      minute: '2-digit',
    }).format(wakeAt);
    expect(newYorkTime).toBe('08:00');
    expect(wakeAt.getTime()).toBeGreaterThan(now().getTime());
    expect(wakeAt.getTime() - now().getTime()).toBeLessThanOrEqual(24 * 3_600_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(coachMessages(client)).toEqual([]);

    // The clock reaches 08:00 in New York: the question arrives on the widget, with its quick replies.
    clockOffsetMs = wakeAt.getTime() - Date.now() + 1000;
    const question = await client.waitFor(
      (frame) => frame.type === 'message' && frame.message.direction === 'out',
    );
    expect(question.message).toMatchObject({
      author: 'coach',
      content: 'Good morning Dana! How do you feel today?',
      quickReplies: ['Great', 'Low'],
    });

    // The member answers "Low": the program takes that branch, and the coach does not also answer "Low".
    const from = client.frames.length;
    client.send({ type: 'message', clientId: 'mood-1', text: 'Low' });
    await client.waitFor((frame) => frame.type === 'ack' && frame.clientId === 'mood-1', { from });
    const encouragement = await client.waitFor(
      (frame) => frame.type === 'message' && frame.message.direction === 'out',
      { from },
    );
    expect(encouragement.message.content).toMatch(/^Dana, a thought from “Building Habits That Stick”: /);

    const finished = await eventually(async () => {
      const list = expectStatus(
        await channel.http.get<Body>(`/api/hub/programs/${program.id}/enrollments`, { token: owner.token }),
        200,
      ).body;
      return list.items[0]?.status === 'completed' ? list.items[0] : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(coachMessages(client).map((frame) => frame.message.content)).toEqual([
      'Good morning Dana! How do you feel today?',
      encouragement.message.content,
    ]);

    // Every step is recorded, and the funnel counts the path taken.
    const steps = expectStatus(
      await channel.http.get<Body>(`/api/hub/programs/${program.id}/enrollments/${finished.id}/steps`, {
        token: owner.token,
      }),
      200,
    ).body;
    const stepList = (steps.items ?? steps) as Body[];
    expect(stepList.filter((step) => step.outcome === 'completed').map((step) => step.nodeId)).toEqual(
      expect.arrayContaining(['morning', 'how', 'encourage', 'done']),
    );
    const funnel = expectStatus(
      await channel.http.get<Body>(`/api/hub/programs/${program.id}/funnel`, { token: owner.token }),
      200,
    ).body;
    const byNode = Object.fromEntries((funnel.nodes as Body[]).map((node) => [node.nodeId, node]));
    expect(byNode.how).toMatchObject({ entered: 1, completed: 1 });
    expect(byNode.encourage).toMatchObject({ entered: 1, completed: 1 });
    expect(byNode.cheer?.entered ?? 0).toBe(0);
    await client.close();
  });

  it('a schedule trigger enrolls members at 08:00 their time, once per occurrence, from the minute scans', async () => {
    const member = await openWidgetMember(channel.http, owner.slug, {
      body: { name: 'Rio Tanaka', timezone: 'Asia/Tokyo' },
    });
    const client = await connectWs(channel.baseUrl, member.token, { channel: 'widget' });
    await client.waitFor((frame) => frame.type === 'ready');
    expectStatus(
      await channel.http.request<Body>('PATCH', `/api/hub/members/${member.memberId}`, {
        token: owner.token,
        body: { tags: ['morning'] },
      }),
      200,
    );
    const program = await publishProgram(channel.http, owner.token, {
      name: 'Weekday nudge',
      graph: {
        nodes: [
          {
            id: 'start',
            type: 'start',
            data: { triggers: [{ type: 'schedule', time: '08:00', tag: 'morning' }] },
          },
          {
            id: 'nudge',
            type: 'message',
            data: { text: 'Morning, {{member.firstName}}: one small step today.' },
          },
          { id: 'end', type: 'end', data: {} },
        ],
        edges: [
          { id: 'a', source: 'start', target: 'nudge' },
          { id: 'b', source: 'nudge', target: 'end' },
        ],
      },
    });
    // Move the clock to just after the next 08:00 in Tokyo; the next minute's scan (pg-boss, real time) enrolls.
    const tokyoHour = Number(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', hourCycle: 'h23' }).format(
        now(),
      ),
    );
    const hoursAhead = (8 - tokyoHour + 24) % 24 || 24;
    const target = new Date(now().getTime() + hoursAhead * 3_600_000);
    target.setUTCMinutes(1, 0, 0);
    clockOffsetMs = target.getTime() - Date.now();
    const nudge = await client.waitFor(
      (frame) => frame.type === 'message' && frame.message.direction === 'out',
      { timeoutMs: 100_000 },
    );
    expect(nudge.message.content).toBe('Morning, Rio: one small step today.');
    const sentAt = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Tokyo',
      hour: '2-digit',
      hourCycle: 'h23',
    }).format(now());
    expect(sentAt).toBe('08');
    const list = expectStatus(
      await channel.http.get<Body>(`/api/hub/programs/${program.id}/enrollments`, { token: owner.token }),
      200,
    ).body;
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      memberId: member.memberId,
      source: expect.stringContaining('schedule'),
    });
    await client.close();
  }, 150_000);

  it('STOP unsubscribes the member everywhere: a system answer, and programs send them nothing more', async () => {
    const member = await openWidgetMember(channel.http, owner.slug, { body: { name: 'Sam Stop' } });
    const client = await connectWs(channel.baseUrl, member.token, { channel: 'widget' });
    await client.waitFor((frame) => frame.type === 'ready');
    client.send({ type: 'message', clientId: 'stop-1', text: 'STOP' });
    const answer = await client.waitFor(
      (frame) => frame.type === 'message' && frame.message.direction === 'out',
    );
    expect(answer.message.author).toBe('system');
    expect(answer.message.content).toContain('START');

    const program = await publishProgram(channel.http, owner.token, {
      name: 'Hello',
      graph: {
        nodes: [
          { id: 'start', type: 'start', data: { triggers: [{ type: 'manual' }] } },
          { id: 'hello', type: 'message', data: { text: 'Hello again!' } },
          { id: 'end', type: 'end', data: {} },
        ],
        edges: [
          { id: 'a', source: 'start', target: 'hello' },
          { id: 'b', source: 'hello', target: 'end' },
        ],
      },
    });
    await enrollMembers(channel.http, owner.token, program.id, [member.memberId]);
    const exited = await eventually(async () => {
      const list = expectStatus(
        await channel.http.get<Body>(`/api/hub/programs/${program.id}/enrollments`, { token: owner.token }),
        200,
      ).body;
      return list.items[0]?.status === 'exited' ? list.items[0] : undefined;
    });
    expect(exited.exitReason).toBe('unsubscribed');
    expect(coachMessages(client).filter((frame) => frame.message.author === 'coach')).toEqual([]);
    await client.close();
  });
});
