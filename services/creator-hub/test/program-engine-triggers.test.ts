import { randomUUID } from 'node:crypto';
import type { StaffContext } from '@companero/core/auth/request-context';
import { backends } from '@companero/testing/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMembersService } from '../src/services/members.service';
import { type EngineHarness, edges, startEngineHarness } from './program-engine-harness';

/** start (with `triggers`) → one message → end */
const triggered = (triggers: unknown[], text = 'Hello {{member.firstName}}') => ({
  nodes: [
    { id: 'start', type: 'start', data: { triggers } },
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

describe.each(backends())('program triggers ($name)', (backend) => {
  let harness: EngineHarness;
  beforeAll(async () => {
    harness = await startEngineHarness(backend);
  });
  afterAll(async () => harness?.close());

  const enrollments = (creatorId: string, programId: string) =>
    harness.inTenant(creatorId, async (tx) => {
      const { rows } = await tx.query<{ memberId: string; source: string; status: string }>(
        `select member_id as "memberId", source, status from program_enrollments where program_id = $1
          order by enrolled_at, id`,
        [programId],
      );
      return rows;
    });
  const scan = async (creatorId: string, at: string) => {
    harness.clock.set(at);
    const result = await harness.engine.scanTriggers(creatorId);
    await harness.drain();
    return result.enrolled;
  };

  it('enrolls on a keyword once per running enrollment, and on the first message', async () => {
    harness.clock.set('2030-03-04T12:00:00Z');
    const creatorId = await harness.createCreator();
    const member = await harness.createMember(creatorId, { name: 'Kim Lee', timezone: 'UTC' });
    const { programId } = await harness.publishProgram(
      creatorId,
      triggered([{ type: 'keyword', keywords: ['join', 'sign me up'] }]),
    );
    const joined = await harness.publishProgram(
      creatorId,
      triggered([{ type: 'member_joined' }], 'Welcome!'),
    );

    expect(await harness.reply(creatorId, member, 'Please SIGN me up!', true)).toEqual({ consumed: false });
    expect(await harness.reply(creatorId, member, 'join, join')).toEqual({ consumed: false });
    expect(await harness.reply(creatorId, member, 'rejoined? no')).toEqual({ consumed: false });
    expect(await enrollments(creatorId, programId)).toEqual([
      { memberId: member, source: 'keyword', status: 'active' },
    ]);
    expect(await enrollments(creatorId, joined.programId)).toEqual([
      { memberId: member, source: 'member_joined', status: 'active' },
    ]);
    await harness.drain();
    expect(await harness.sentTo(creatorId, member)).toEqual(
      expect.arrayContaining(['Hello Kim', 'Welcome!']),
    );
    // Finished: the next keyword is a new occurrence.
    await harness.reply(creatorId, member, 'join');
    expect(await enrollments(creatorId, programId)).toHaveLength(2);
    expect(await enrollments(creatorId, joined.programId)).toHaveLength(1);
  });

  it('enrolls when a tag is added by the engine hook, the members API, or a tag node of another program', async () => {
    harness.clock.set('2030-03-04T12:00:00Z');
    const creatorId = await harness.createCreator();
    const [viaHook, viaApi, viaNode, unsubscribed] = await Promise.all(
      ['Hook', 'Api', 'Node', 'Gone'].map((name) =>
        harness.createMember(creatorId, { name, timezone: 'UTC' }),
      ),
    );
    const { programId } = await harness.publishProgram(
      creatorId,
      triggered([{ type: 'tag_added', tag: 'vip' }]),
    );

    await harness.inTenant(creatorId, (tx) => harness.engine.onTagAddedInTx(tx, viaHook!, 'vip'));
    await harness.inTenant(creatorId, (tx) => harness.engine.onTagAddedInTx(tx, viaHook!, ['vip']));
    await createMembersService({ db: harness.runtime.db }).update(staff(creatorId), viaApi!, {
      tags: ['vip', 'x'],
    });
    // Setting the same tags again adds nothing.
    await createMembersService({ db: harness.runtime.db }).update(staff(creatorId), viaApi!, {
      tags: ['vip', 'x'],
    });
    const tagger = await harness.publishProgram(creatorId, {
      nodes: [
        { id: 'start', type: 'start', data: {} },
        { id: 'tag', type: 'tag', data: { action: 'add', tags: ['vip'] } },
      ],
      edges: edges(['start', 'tag']),
    });
    await harness.inTenant(creatorId, (tx) =>
      tx.query('update members set unsubscribed_at = now() where id = $1', [unsubscribed]),
    );
    await createMembersService({ db: harness.runtime.db }).bulkTag(staff(creatorId), {
      memberIds: [unsubscribed!],
      add: ['vip'],
      remove: [],
    });
    const { createEnrollmentsService } = await import('../src/services/enrollments.service');
    await createEnrollmentsService({ db: harness.runtime.db, now: () => harness.clock.now }).enroll(
      staff(creatorId),
      tagger.programId,
      [viaNode!],
    );
    await harness.drain();
    const enrolled = await enrollments(creatorId, programId);
    expect(enrolled.map((row) => row.memberId).sort()).toEqual([viaHook, viaApi, viaNode].sort());
    expect(enrolled.every((row) => row.source === 'tag_added' && row.status === 'completed')).toBe(true);
    expect(await harness.sentTo(creatorId, viaNode!)).toEqual(['Hello Node']);
  });

  it('enrolls members after N days without an inbound message, once per quiet spell', async () => {
    harness.clock.set('2030-03-04T12:00:00Z');
    const creatorId = await harness.createCreator();
    const silent = await harness.createMember(creatorId, {
      name: 'Silent',
      createdAt: '2030-02-01T00:00:00Z',
    });
    const active = await harness.createMember(creatorId, {
      name: 'Active',
      createdAt: '2030-02-01T00:00:00Z',
    });
    const fresh = await harness.createMember(creatorId, { name: 'Fresh', createdAt: '2030-03-01T00:00:00Z' });
    await harness.inTenant(creatorId, (tx) =>
      tx.query(
        `update channel_identities set last_inbound_at = '2030-03-03T12:00:00Z' where member_id = $1`,
        [active],
      ),
    );
    const { programId } = await harness.publishProgram(
      creatorId,
      triggered([{ type: 'inactivity', days: 7 }]),
    );

    expect(await scan(creatorId, '2030-03-04T12:01:00Z')).toBe(1);
    expect(await scan(creatorId, '2030-03-04T12:02:00Z')).toBe(0);
    expect((await enrollments(creatorId, programId)).map((row) => row.memberId)).toEqual([silent]);
    // Fresh joined 7 days ago on the 8th; Silent wrote on Feb 20 and went quiet again: a new spell.
    await harness.inTenant(creatorId, (tx) =>
      tx.query(
        `update channel_identities set last_inbound_at = '2030-02-20T00:00:00Z' where member_id = $1`,
        [silent],
      ),
    );
    expect(await scan(creatorId, '2030-03-08T00:00:00Z')).toBe(2);
    // The two new enrollments share their transaction's enrolled_at: compare them as a set.
    const enrolled = (await enrollments(creatorId, programId)).map((row) => row.memberId);
    expect(enrolled[0]).toBe(silent);
    expect(enrolled.slice(1).sort()).toEqual([silent, fresh].sort());
    expect(await scan(creatorId, '2030-03-08T00:01:00Z')).toBe(0);
  });

  it('enrolls on an absolute date and on a member date attribute at the local time, once', async () => {
    harness.clock.set('2030-03-04T12:00:00Z');
    const creatorId = await harness.createCreator();
    const madrid = await harness.createMember(creatorId, {
      name: 'Marta',
      timezone: 'Europe/Madrid',
      attributes: { startDate: '2030-03-10' },
    });
    const tokyo = await harness.createMember(creatorId, {
      name: 'Taro',
      timezone: 'Asia/Tokyo',
      attributes: { startDate: '2030-03-10T00:00:00Z' },
    });
    await harness.createMember(creatorId, {
      name: 'NoDate',
      timezone: 'UTC',
      attributes: { startDate: 'soon' },
    });
    const absolute = await harness.publishProgram(
      creatorId,
      triggered([
        { type: 'date', at: '2030-03-05T09:00:00Z' },
        { type: 'date', at: '2030-03-01T09:00:00Z' },
      ]),
    );
    expect(await scan(creatorId, '2030-03-05T08:59:00Z')).toBe(0);
    expect(await scan(creatorId, '2030-03-05T09:00:30Z')).toBe(3);
    expect(await scan(creatorId, '2030-03-05T09:01:30Z')).toBe(0);
    expect(await enrollments(creatorId, absolute.programId)).toHaveLength(3);

    // The day before startDate at 09:00 member-local: Tokyo 00:00Z, Madrid 08:00Z on March 9.
    const relative = await harness.publishProgram(
      creatorId,
      triggered([{ type: 'date', field: 'startDate', offsetDays: -1, time: '09:00' }]),
    );
    expect(await scan(creatorId, '2030-03-08T23:59:00Z')).toBe(0);
    expect(await scan(creatorId, '2030-03-09T00:00:00Z')).toBe(1);
    expect(await scan(creatorId, '2030-03-09T07:59:00Z')).toBe(0);
    expect(await scan(creatorId, '2030-03-09T08:00:00Z')).toBe(1);
    expect(await scan(creatorId, '2030-03-09T12:00:00Z')).toBe(0);
    expect((await enrollments(creatorId, relative.programId)).map((row) => row.memberId)).toEqual([
      tokyo,
      madrid,
    ]);
  });

  it('enrolls on a schedule at the member-local time on chosen weekdays, tagged members only, once a day', async () => {
    harness.clock.set('2030-03-04T07:00:00Z'); // Monday
    const creatorId = await harness.createCreator({ timezone: 'America/New_York' });
    const madrid = await harness.createMember(creatorId, {
      name: 'M',
      timezone: 'Europe/Madrid',
      tags: ['daily'],
    });
    const newYork = await harness.createMember(creatorId, { name: 'N', timezone: null, tags: ['daily'] });
    await harness.createMember(creatorId, { name: 'Untagged', timezone: 'Europe/Madrid' });
    const gone = await harness.createMember(creatorId, {
      name: 'G',
      timezone: 'Europe/Madrid',
      tags: ['daily'],
    });
    await harness.inTenant(creatorId, (tx) =>
      tx.query('update members set unsubscribed_at = now() where id = $1', [gone]),
    );
    const { programId } = await harness.publishProgram(
      creatorId,
      triggered([{ type: 'schedule', time: '09:00', weekdays: [1, 3], tag: 'daily' }]),
    );
    expect(await scan(creatorId, '2030-03-04T07:59:00Z')).toBe(0);
    expect(await scan(creatorId, '2030-03-04T08:00:00Z')).toBe(1); // 09:00 in Madrid
    expect(await scan(creatorId, '2030-03-04T13:59:00Z')).toBe(0);
    expect(await scan(creatorId, '2030-03-04T14:00:00Z')).toBe(1); // 09:00 in New York (the creator's zone)
    expect(await scan(creatorId, '2030-03-04T20:00:00Z')).toBe(0);
    expect(await scan(creatorId, '2030-03-05T08:00:00Z')).toBe(0); // Tuesday
    expect(await scan(creatorId, '2030-03-06T14:30:00Z')).toBe(2); // Wednesday, both past 09:00
    const enrolled = (await enrollments(creatorId, programId)).map((row) => row.memberId);
    expect(enrolled.slice(0, 2)).toEqual([madrid, newYork]);
    expect(enrolled.slice(2).sort()).toEqual([madrid, newYork].sort());
    expect(await harness.sentTo(creatorId, madrid)).toEqual(['Hello M', 'Hello M']);
    expect(await harness.sentTo(creatorId, gone)).toEqual([]);
  });

  it('stops needing scans when no published program has periodic triggers', async () => {
    const creatorId = await harness.createCreator();
    await harness.publishProgram(creatorId, triggered([{ type: 'manual' }]));
    expect(await harness.engine.scanTriggers(creatorId)).toMatchObject({ programs: 0, enrolled: 0 });
  });
});
