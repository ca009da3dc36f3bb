import { randomUUID } from 'node:crypto';
import type { StaffContext } from '@companero/core/auth/request-context';
import { withAppRole } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsubscribedReply } from '../src/engine/member-events';
import { proactiveSettingsRepository } from '../src/repositories/proactive-settings.repository';
import { createEnrollmentsService } from '../src/services/enrollments.service';
import { type EngineHarness, edges, pendingWakeups, startEngineHarness } from './program-engine-harness';

const hour = 3_600_000;

/** welcome → wait until 08:00 member-local → ask (choice / keyword / number / timeout) → a tag per branch → end */
const sleepCheckIn = {
  nodes: [
    { id: 'start', type: 'start', data: {} },
    {
      id: 'welcome',
      type: 'message',
      data: { text: 'Hi {{member.firstName}}, welcome to {{creator.name}}!' },
    },
    { id: 'morning', type: 'wait', data: { mode: 'until', time: '08:00' } },
    {
      id: 'ask',
      type: 'ask',
      data: {
        text: 'How did you sleep, {{member.firstName}}? (0-10)',
        saveAs: 'sleep',
        timeout: { amount: 1, unit: 'hours' },
        branches: [
          { id: 'great', label: 'Great', match: { kind: 'choice', value: 'great' } },
          { id: 'tired', label: 'Tired', match: { kind: 'keyword', keywords: ['tired', 'exhausted'] } },
          { id: 'low', label: 'Low', match: { kind: 'number', min: 0, max: 4 } },
        ],
      },
    },
    { id: 'tagGreat', type: 'tag', data: { action: 'add', tags: ['slept-great'] } },
    { id: 'tagTired', type: 'tag', data: { action: 'add', tags: ['tired'] } },
    { id: 'tagLow', type: 'tag', data: { action: 'add', tags: ['low-sleep'] } },
    { id: 'tagSilent', type: 'tag', data: { action: 'add', tags: ['silent'] } },
    { id: 'end', type: 'end' },
  ],
  edges: edges(
    ['start', 'welcome'],
    ['welcome', 'morning'],
    ['morning', 'ask'],
    ['ask', 'tagGreat', 'great'],
    ['ask', 'tagTired', 'tired'],
    ['ask', 'tagLow', 'low'],
    ['ask', 'end', 'other'],
    ['ask', 'tagSilent', 'timeout'],
    ['tagGreat', 'end'],
    ['tagTired', 'end'],
    ['tagLow', 'end'],
    ['tagSilent', 'end'],
  ),
};

const oneMessage = (text = 'Time to stretch, {{member.firstName}}.') => ({
  nodes: [
    { id: 'start', type: 'start', data: {} },
    { id: 'say', type: 'message', data: { text } },
    { id: 'end', type: 'end' },
  ],
  edges: edges(['start', 'say'], ['say', 'end']),
});

const staff = (creatorId: string): StaffContext => ({
  creatorId,
  actor: { type: 'account', id: randomUUID(), role: 'owner' },
  requestId: randomUUID(),
});

describe.each(backends())('program engine ($name)', (backend) => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await startEngineHarness(backend, {
      ports: {
        ai: {
          compose: async (_creatorId, input) => {
            composeCalls += 1;
            if (composeFailures > 0) {
              composeFailures -= 1;
              throw new Error('model unavailable');
            }
            return { text: `Composed for ${input.memberId.slice(0, 4)}: ${input.instruction}` };
          },
          classify: async () => null,
        },
      },
    });
  });
  afterAll(async () => harness?.close());

  let composeCalls = 0;
  let composeFailures = 0;

  const enrollmentOf = (creatorId: string, programId: string, memberId: string) =>
    harness.inTenant(creatorId, async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        status: string;
        seq: number;
        currentNodeId: string;
        exitReason: string | null;
        context: Record<string, unknown>;
      }>(
        `select id, status, seq, current_node_id as "currentNodeId", exit_reason as "exitReason", context
           from program_enrollments where program_id = $1 and member_id = $2 order by enrolled_at desc limit 1`,
        [programId, memberId],
      );
      return rows[0]!;
    });

  const stepsOf = (creatorId: string, enrollmentId: string) =>
    harness.inTenant(creatorId, async (tx) => {
      const { rows } = await tx.query<{ nodeId: string; outcome: string; detail: Record<string, unknown> }>(
        `select node_id as "nodeId", outcome, detail from program_steps where enrollment_id = $1 order by id`,
        [enrollmentId],
      );
      return rows;
    });

  const tagsOf = (creatorId: string, memberId: string) =>
    harness.inTenant(creatorId, async (tx) => {
      const { rows } = await tx.query<{ tags: string[] }>('select tags from members where id = $1', [
        memberId,
      ]);
      return rows[0]!.tags;
    });

  it('runs message → wait until 08:00 member-local → ask → choice, keyword, number and timeout branches → tag → end', async () => {
    harness.clock.set('2030-03-04T15:00:00Z');
    const creatorId = await harness.createCreator({ timezone: 'Europe/Lisbon', name: 'Sleep School' });
    const madrid = await harness.createMember(creatorId, { name: 'Ana García', timezone: 'Europe/Madrid' });
    const newYork = await harness.createMember(creatorId, {
      name: 'Ben Stone',
      timezone: 'America/New_York',
    });
    const lisbon = await harness.createMember(creatorId, { name: 'Carla Reis', timezone: null });
    const saoPaulo = await harness.createMember(creatorId, {
      name: 'Davi Lima',
      timezone: 'America/Sao_Paulo',
    });
    const { programId } = await harness.publishProgram(creatorId, sleepCheckIn);
    const enrollments = createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now });
    const result = await enrollments.enroll(staff(creatorId), programId, [madrid, newYork, lisbon, saoPaulo]);
    expect(result.enrolled).toHaveLength(4);

    await harness.drain();
    expect(await harness.sentTo(creatorId, madrid)).toEqual(['Hi Ana, welcome to Sleep School!']);
    expect(await harness.sentTo(creatorId, lisbon)).toEqual(['Hi Carla, welcome to Sleep School!']);

    // 08:00 local: Madrid (CET) 07:00Z, Lisbon (the creator's zone, WET) 08:00Z, São Paulo 11:00Z, New York (EST) 13:00Z.
    const asked = async () => {
      const sent = await Promise.all(
        [madrid, lisbon, saoPaulo, newYork].map((id) => harness.sentTo(creatorId, id)),
      );
      return sent.map((messages) => messages.length === 2);
    };
    harness.clock.set('2030-03-05T06:59:00Z');
    await harness.drain();
    expect(await asked()).toEqual([false, false, false, false]);
    harness.clock.set('2030-03-05T07:00:00Z');
    await harness.drain();
    expect(await asked()).toEqual([true, false, false, false]);
    expect((await harness.sentTo(creatorId, madrid))[1]).toBe('How did you sleep, Ana? (0-10)');
    // Replies before the next zone's morning: choice (by label, any case) and keyword.
    expect(await harness.reply(creatorId, madrid, 'GREAT!')).toEqual({ consumed: true });
    harness.clock.set('2030-03-05T08:00:00Z');
    await harness.drain();
    expect(await asked()).toEqual([true, true, false, false]);
    expect(await harness.reply(creatorId, lisbon, 'honestly so tired today')).toEqual({ consumed: true });
    harness.clock.set('2030-03-05T11:00:00Z');
    await harness.drain();
    expect(await asked()).toEqual([true, true, true, false]);
    expect(await harness.reply(creatorId, saoPaulo, 'maybe 3 hours')).toEqual({ consumed: true });
    harness.clock.set('2030-03-05T13:00:00Z');
    await harness.drain();
    expect(await asked()).toEqual([true, true, true, true]);
    // New York never answers: the ask times out an hour later.
    harness.clock.set('2030-03-05T13:59:00Z');
    await harness.drain();
    expect(await tagsOf(creatorId, newYork)).toEqual([]);
    harness.clock.set('2030-03-05T14:00:00Z');
    await harness.drain();

    expect(await tagsOf(creatorId, madrid)).toEqual(['slept-great']);
    expect(await tagsOf(creatorId, lisbon)).toEqual(['tired']);
    expect(await tagsOf(creatorId, saoPaulo)).toEqual(['low-sleep']);
    expect(await tagsOf(creatorId, newYork)).toEqual(['silent']);
    for (const member of [madrid, newYork, lisbon, saoPaulo]) {
      const enrollment = await enrollmentOf(creatorId, programId, member);
      expect(enrollment.status).toBe('completed');
      expect(await harness.sentTo(creatorId, member)).toHaveLength(2);
    }
    const ana = await enrollmentOf(creatorId, programId, madrid);
    expect(ana.context.answers).toEqual({ sleep: 'GREAT!' });
    const steps = await stepsOf(creatorId, ana.id);
    expect(steps.map((step) => `${step.nodeId}:${step.outcome}`)).toEqual([
      'start:completed',
      'welcome:completed',
      'morning:waiting',
      'morning:completed',
      'ask:waiting',
      'ask:completed',
      'tagGreat:completed',
      'end:completed',
    ]);
    expect(steps[5]!.detail).toMatchObject({ handle: 'great', matchedBy: 'rule', reply: 'GREAT!' });
    const ben = await enrollmentOf(creatorId, programId, newYork);
    expect(
      (await stepsOf(creatorId, ben.id)).find(
        (step) => step.nodeId === 'ask' && step.outcome === 'completed',
      ),
    ).toMatchObject({ detail: { handle: 'timeout' } });

    // The funnel counts each node once per enrollment.
    const funnel = await enrollments.funnel(staff(creatorId), programId);
    const byNode = Object.fromEntries(funnel.nodes.map((node) => [node.nodeId, node]));
    expect(funnel.version).toBe(1);
    expect(byNode.welcome).toMatchObject({ entered: 4, completed: 4, dropped: 0, waiting: 0 });
    expect(byNode.ask).toMatchObject({ entered: 4, completed: 4 });
    expect(byNode.tagGreat).toMatchObject({ entered: 1, completed: 1 });
    expect(byNode.tagSilent).toMatchObject({ entered: 1, completed: 1 });
    expect(byNode.end).toMatchObject({ entered: 4, completed: 4 });
    expect(await pendingWakeups(harness.runtime)).toEqual([]);
  });

  it('sends once when the same step job runs twice, at the same time or again later', async () => {
    harness.clock.set('2030-03-06T12:00:00Z');
    const creatorId = await harness.createCreator();
    const member = await harness.createMember(creatorId, { name: 'Eve', timezone: 'UTC' });
    const { programId } = await harness.publishProgram(creatorId, oneMessage());
    await createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now }).enroll(
      staff(creatorId),
      programId,
      [member],
    );
    const enrollment = await enrollmentOf(creatorId, programId, member);
    const job = { creatorId, enrollmentId: enrollment.id, seq: 0 };
    const results = await Promise.all([harness.engine.runStep(job), harness.engine.runStep(job)]);
    expect(results.map((result) => result.kind).sort()).toEqual(['ran', 'stale']);
    expect(await harness.engine.runStep(job)).toEqual({ kind: 'stale' });
    // The wake-up of the enrollment is still there: the sweep's job for it finds the seq moved on.
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual(['Time to stretch, Eve.']);
    expect((await enrollmentOf(creatorId, programId, member)).status).toBe('completed');
  });

  it('composes again but sends once when a step dies between the AI compose and its commit', async () => {
    harness.clock.set('2030-03-06T12:00:00Z');
    const creatorId = await harness.createCreator();
    const member = await harness.createMember(creatorId, { name: 'Finn', timezone: 'UTC' });
    const { programId } = await harness.publishProgram(creatorId, {
      nodes: [
        { id: 'start', type: 'start', data: {} },
        { id: 'nudge', type: 'ai_message', data: { instruction: 'Encourage a short walk' } },
        { id: 'end', type: 'end' },
      ],
      edges: edges(['start', 'nudge'], ['nudge', 'end']),
    });
    await createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now }).enroll(
      staff(creatorId),
      programId,
      [member],
    );
    await harness.engine.scheduler.sweepOnce();
    const enrollment = await enrollmentOf(creatorId, programId, member);
    composeCalls = 0;
    // start runs in the first job; the ai_message (a slow node) continues in its own job.
    await harness.engine.runStep({ creatorId, enrollmentId: enrollment.id, seq: 0 });
    const atNudge = await enrollmentOf(creatorId, programId, member);
    expect(atNudge.currentNodeId).toBe('nudge');
    harness.messenger.failNextAfterSend = true;
    const job = { creatorId, enrollmentId: enrollment.id, seq: atNudge.seq };
    await expect(harness.engine.runStep(job)).rejects.toThrow(/simulated crash/);
    expect(await harness.sentTo(creatorId, member)).toEqual([]);
    expect(await harness.engine.runStep(job)).toMatchObject({ kind: 'ran', status: 'completed' });
    expect(composeCalls).toBe(2);
    expect(await harness.sentTo(creatorId, member)).toEqual([
      `Composed for ${member.slice(0, 4)}: Encourage a short walk`,
    ]);
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toHaveLength(1);
  });

  it('retries a failing AI compose, then records the failure and goes on after the last attempt', async () => {
    harness.clock.set('2030-03-06T12:00:00Z');
    const creatorId = await harness.createCreator();
    const member = await harness.createMember(creatorId, { name: 'Gus', timezone: 'UTC' });
    const { programId } = await harness.publishProgram(creatorId, {
      nodes: [
        { id: 'start', type: 'start', data: {} },
        { id: 'nudge', type: 'ai_message', data: { instruction: 'Say hi' } },
        { id: 'after', type: 'message', data: { text: 'Plain fallback' } },
      ],
      edges: edges(['start', 'nudge'], ['nudge', 'after']),
    });
    await createEnrollmentsService({ db: harness.runtime.db }).enroll(staff(creatorId), programId, [member]);
    const enrollment = await enrollmentOf(creatorId, programId, member);
    await harness.engine.runStep({ creatorId, enrollmentId: enrollment.id, seq: 0 });
    composeFailures = 10;
    const job = { creatorId, enrollmentId: enrollment.id, seq: 1 };
    await expect(harness.engine.runStep(job, { retryCount: 0, retryLimit: 2 })).rejects.toThrow(
      /model unavailable/,
    );
    await harness.engine.runStep(job, { retryCount: 2, retryLimit: 2 });
    composeFailures = 0;
    expect(await harness.sentTo(creatorId, member)).toEqual(['Plain fallback']);
    const steps = await stepsOf(creatorId, enrollment.id);
    expect(steps.find((step) => step.nodeId === 'nudge')).toMatchObject({
      outcome: 'failed',
      detail: { reason: 'ai_failed', error: 'model unavailable', handle: 'next' },
    });
  });

  it('defers a send in quiet hours to their end, and past the daily cap to the next local morning', async () => {
    harness.clock.set('2030-03-06T22:30:00Z'); // 23:30 in Madrid: quiet (21:00–08:00 by default)
    const creatorId = await harness.createCreator();
    await harness.inTenant(creatorId, (tx) => proactiveSettingsRepository.upsert(tx, { maxPerDay: 2 }));
    const member = await harness.createMember(creatorId, { name: 'Hana', timezone: 'Europe/Madrid' });
    const { programId } = await harness.publishProgram(creatorId, {
      nodes: [
        { id: 'start', type: 'start', data: {} },
        { id: 'one', type: 'message', data: { text: 'one' } },
        { id: 'two', type: 'message', data: { text: 'two' } },
        { id: 'three', type: 'message', data: { text: 'three' } },
        { id: 'end', type: 'end' },
      ],
      edges: edges(['start', 'one'], ['one', 'two'], ['two', 'three'], ['three', 'end']),
    });
    await createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now }).enroll(
      staff(creatorId),
      programId,
      [member],
    );
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual([]);
    const enrollment = await enrollmentOf(creatorId, programId, member);
    expect(enrollment).toMatchObject({ status: 'waiting', currentNodeId: 'one' });
    expect(await stepsOf(creatorId, enrollment.id)).toContainEqual({
      nodeId: 'one',
      outcome: 'deferred',
      detail: { reason: 'quiet_hours', until: '2030-03-07T07:00:00.000Z' },
    });
    harness.clock.set('2030-03-07T06:59:00Z');
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual([]);
    harness.clock.set('2030-03-07T07:00:00Z');
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual(['one', 'two']);
    expect(await stepsOf(creatorId, enrollment.id)).toContainEqual({
      nodeId: 'three',
      outcome: 'deferred',
      detail: { reason: 'frequency_cap', until: '2030-03-08T07:00:00.000Z' },
    });
    harness.clock.set('2030-03-08T07:00:00Z');
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual(['one', 'two', 'three']);
    const sends = await harness.inTenant(creatorId, async (tx) => {
      const { rows } = await tx.query<{ day: string; count: number }>(
        `select to_char(local_day, 'YYYY-MM-DD') as day, count(*)::int as count from proactive_sends
          where member_id = $1 group by local_day order by local_day`,
        [member],
      );
      return rows;
    });
    expect(sends).toEqual([
      { day: '2030-03-07', count: 2 },
      { day: '2030-03-08', count: 1 },
    ]);
  });

  it("uses the member's own quiet hours over the creator's", async () => {
    harness.clock.set('2030-03-06T12:30:00Z');
    const creatorId = await harness.createCreator();
    const member = await harness.createMember(creatorId, {
      timezone: 'UTC',
      quietHours: { start: '12:00', end: '14:00' },
    });
    const { programId } = await harness.publishProgram(creatorId, oneMessage('lunch is quiet'));
    await createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now }).enroll(
      staff(creatorId),
      programId,
      [member],
    );
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual([]);
    harness.clock.set('2030-03-06T14:00:00Z');
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual(['lunch is quiet']);
  });

  it('STOP unsubscribes (the next send exits the enrollment), START subscribes again', async () => {
    harness.clock.set('2030-03-06T12:00:00Z');
    const creatorId = await harness.createCreator();
    const member = await harness.createMember(creatorId, { name: 'Ivo', timezone: 'UTC' });
    const { programId } = await harness.publishProgram(creatorId, {
      nodes: [
        { id: 'start', type: 'start', data: {} },
        { id: 'first', type: 'message', data: { text: 'first' } },
        { id: 'pause', type: 'wait', data: { mode: 'duration', duration: { amount: 1, unit: 'hours' } } },
        { id: 'second', type: 'message', data: { text: 'second' } },
      ],
      edges: edges(['start', 'first'], ['first', 'pause'], ['pause', 'second']),
    });
    await createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now }).enroll(
      staff(creatorId),
      programId,
      [member],
    );
    await harness.drain();
    expect(await harness.reply(creatorId, member, ' stop ')).toEqual({
      consumed: true,
      systemReply: unsubscribedReply,
    });
    harness.clock.advance(hour);
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual(['first']);
    const enrollment = await enrollmentOf(creatorId, programId, member);
    expect(enrollment).toMatchObject({ status: 'exited', exitReason: 'unsubscribed' });
    expect(await stepsOf(creatorId, enrollment.id)).toContainEqual({
      nodeId: 'second',
      outcome: 'exited',
      detail: { reason: 'unsubscribed' },
    });
    // START only means something to an unsubscribed member.
    expect(await harness.reply(creatorId, member, 'Start')).toMatchObject({ consumed: true });
    expect(await harness.reply(creatorId, member, 'start')).toEqual({ consumed: false });
  });

  it('unenrolls: the enrollment exits and its wake-up is cancelled', async () => {
    harness.clock.set('2030-03-06T12:00:00Z');
    const creatorId = await harness.createCreator();
    const member = await harness.createMember(creatorId, { timezone: 'UTC' });
    const { programId } = await harness.publishProgram(creatorId, sleepCheckIn);
    const service = createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now });
    await service.enroll(staff(creatorId), programId, [member]);
    await harness.drain();
    const enrollment = await enrollmentOf(creatorId, programId, member);
    expect(enrollment.status).toBe('waiting');
    await service.unenroll(staff(creatorId), programId, member);
    expect(await enrollmentOf(creatorId, programId, member)).toMatchObject({
      status: 'exited',
      exitReason: 'unenrolled',
    });
    expect((await pendingWakeups(harness.runtime)).map((row) => row.enrollmentId)).not.toContain(
      enrollment.id,
    );
    harness.clock.set('2030-03-07T09:00:00Z');
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toHaveLength(1);
    const funnel = await service.funnel(staff(creatorId), programId);
    expect(funnel.nodes.find((node) => node.nodeId === 'morning')).toMatchObject({ entered: 1, dropped: 1 });
    await expect(service.unenroll(staff(creatorId), programId, member)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it("keeps each creator's enrollments, steps and wake-ups to itself", async () => {
    harness.clock.set('2030-03-06T12:00:00Z');
    const creatorA = await harness.createCreator();
    const creatorB = await harness.createCreator();
    const member = await harness.createMember(creatorA, { timezone: 'UTC' });
    const { programId, versionId } = await harness.publishProgram(creatorA, sleepCheckIn);
    const service = createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now });
    await service.enroll(staff(creatorA), programId, [member]);
    await harness.drain();
    const enrollment = await enrollmentOf(creatorA, programId, member);

    await harness.inTenant(creatorB, async (tx) => {
      for (const table of ['program_enrollments', 'program_steps', 'program_wakeups', 'proactive_sends']) {
        const { rows } = await tx.query(`select 1 from ${table}`);
        expect(rows, table).toEqual([]);
      }
    });
    await expect(
      harness.inTenant(creatorB, (tx) =>
        tx.query(
          `insert into program_enrollments (creator_id, program_id, version_id, member_id) values ($1, $2, $3, $4)`,
          [creatorA, programId, versionId, member],
        ),
      ),
    ).rejects.toThrow();
    await expect(
      harness.inTenant(creatorB, (tx) =>
        tx.query(
          'insert into program_wakeups (enrollment_id, creator_id, seq, due_at) values ($1, $2, 0, now())',
          [enrollment.id, creatorA],
        ),
      ),
    ).rejects.toThrow();
    // Creator B's jobs and services cannot reach A's enrollment either.
    expect(
      await harness.engine.runStep({ creatorId: creatorB, enrollmentId: enrollment.id, seq: enrollment.seq }),
    ).toEqual({
      kind: 'stale',
    });
    await expect(service.list(staff(creatorB), programId, { limit: 10 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(service.steps(staff(creatorB), programId, enrollment.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(service.enroll(staff(creatorB), programId, [member])).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The scheduler's sweep scope sees wake-up ids and times, never enrollments.
    const leaked = await withAppRole(
      harness.runtime.db,
      async (tx) => (await tx.query('select 1 from program_enrollments')).rows,
      { programScheduler: true },
    );
    expect(leaked).toEqual([]);
  });
});
