import { describe, expect, it } from 'vitest';
import {
  addDuration,
  edgeTarget,
  evaluateConditions,
  firstNumber,
  isInQuietHours,
  localParts,
  matchBranch,
  nextLocalTime,
  quietHoursEnd,
  renderTemplate,
  resolveTimeZone,
  templateVariables,
  zonedDateTime,
} from '../src/creator-hub/program-logic';
import type { TAskBranch, TConditionRule } from '../src/creator-hub/programs';

const at = (iso: string) => new Date(iso);

describe('nextLocalTime', () => {
  it('finds today or tomorrow at the local time, strictly after', () => {
    expect(nextLocalTime(at('2025-03-03T06:00:00Z'), 'Europe/Madrid', '08:00').toISOString()).toBe(
      '2025-03-03T07:00:00.000Z',
    );
    expect(nextLocalTime(at('2025-03-03T07:00:00Z'), 'Europe/Madrid', '08:00').toISOString()).toBe(
      '2025-03-04T07:00:00.000Z',
    );
    expect(nextLocalTime(at('2025-03-03T14:00:00Z'), 'America/New_York', '08:00').toISOString()).toBe(
      '2025-03-04T13:00:00.000Z',
    );
  });

  it('uses the local date, not the UTC one', () => {
    // 23:30 UTC on Monday is already Tuesday 08:30 in Tokyo: the next 08:00 there is Wednesday's.
    expect(nextLocalTime(at('2025-03-03T23:30:00Z'), 'Asia/Tokyo', '08:00').toISOString()).toBe(
      '2025-03-04T23:00:00.000Z',
    );
    expect(nextLocalTime(at('2025-03-03T20:00:00Z'), 'Pacific/Kiritimati', '08:00').toISOString()).toBe(
      '2025-03-04T18:00:00.000Z',
    );
  });

  it('keeps 08:00 local across the DST changes', () => {
    // Spring forward in New York: 2025-03-09. 08:00 EST = 13:00Z, 08:00 EDT = 12:00Z.
    expect(nextLocalTime(at('2025-03-08T14:00:00Z'), 'America/New_York', '08:00').toISOString()).toBe(
      '2025-03-09T12:00:00.000Z',
    );
    // Fall back in Madrid: 2025-10-26. 08:00 CEST = 06:00Z, 08:00 CET = 07:00Z.
    expect(nextLocalTime(at('2025-10-25T07:00:00Z'), 'Europe/Madrid', '08:00').toISOString()).toBe(
      '2025-10-26T07:00:00.000Z',
    );
  });

  it('moves a time skipped by DST past the jump, and takes the first of a repeated time', () => {
    expect(zonedDateTime('2025-03-09', 150, 'America/New_York').toISOString()).toBe(
      '2025-03-09T07:30:00.000Z',
    );
    // 01:30 happens twice in New York on 2025-11-02: EDT (05:30Z) first, then EST (06:30Z).
    expect(zonedDateTime('2025-11-02', 90, 'America/New_York').toISOString()).toBe(
      '2025-11-02T05:30:00.000Z',
    );
    expect(nextLocalTime(at('2025-11-02T05:30:00Z'), 'America/New_York', '01:30').toISOString()).toBe(
      '2025-11-03T06:30:00.000Z',
    );
  });

  it('only lands on allowed weekdays', () => {
    // 2025-03-03 is a Monday; Saturday and Sunday only → Saturday 2025-03-08.
    expect(nextLocalTime(at('2025-03-03T06:00:00Z'), 'UTC', '09:30', [0, 6]).toISOString()).toBe(
      '2025-03-08T09:30:00.000Z',
    );
    // Monday only, asked after Monday's 09:30 → the next Monday.
    expect(nextLocalTime(at('2025-03-03T10:00:00Z'), 'UTC', '09:30', [1]).toISOString()).toBe(
      '2025-03-10T09:30:00.000Z',
    );
  });
});

describe('local time helpers', () => {
  it('gives the member-local date, weekday and minute', () => {
    expect(localParts(at('2025-03-03T23:30:00Z'), 'Asia/Kolkata')).toEqual({
      date: '2025-03-04',
      weekday: 2,
      minutes: 5 * 60,
    });
    expect(localParts(at('2025-03-03T00:15:00Z'), 'America/Los_Angeles')).toEqual({
      date: '2025-03-02',
      weekday: 0,
      minutes: 16 * 60 + 15,
    });
  });

  it('adds durations, with days as calendar days when a zone is given', () => {
    expect(addDuration(at('2025-03-03T10:00:00Z'), { amount: 90, unit: 'minutes' }).toISOString()).toBe(
      '2025-03-03T11:30:00.000Z',
    );
    expect(addDuration(at('2025-03-03T10:00:00Z'), { amount: 2, unit: 'hours' }).toISOString()).toBe(
      '2025-03-03T12:00:00.000Z',
    );
    expect(addDuration(at('2025-03-08T14:00:00Z'), { amount: 1, unit: 'days' }).toISOString()).toBe(
      '2025-03-09T14:00:00.000Z',
    );
    // 09:00 EST the day before spring forward → 09:00 EDT the next day (23 hours later).
    expect(
      addDuration(at('2025-03-08T14:00:00Z'), { amount: 1, unit: 'days' }, 'America/New_York').toISOString(),
    ).toBe('2025-03-09T13:00:00.000Z');
  });

  it('falls back to a valid time zone', () => {
    expect(resolveTimeZone(null, 'Not/AZone', 'Europe/Madrid')).toBe('Europe/Madrid');
    expect(resolveTimeZone(undefined, '')).toBe('UTC');
  });
});

describe('quiet hours', () => {
  const overnight = { start: '21:00', end: '08:00' };

  it('covers windows that cross midnight', () => {
    expect(isInQuietHours(at('2025-03-03T20:59:00Z'), 'UTC', overnight)).toBe(false);
    expect(isInQuietHours(at('2025-03-03T21:00:00Z'), 'UTC', overnight)).toBe(true);
    expect(isInQuietHours(at('2025-03-04T03:00:00Z'), 'UTC', overnight)).toBe(true);
    expect(isInQuietHours(at('2025-03-04T08:00:00Z'), 'UTC', overnight)).toBe(false);
    expect(isInQuietHours(at('2025-03-04T13:00:00Z'), 'UTC', { start: '12:00', end: '14:00' })).toBe(true);
    expect(isInQuietHours(at('2025-03-04T14:00:00Z'), 'UTC', { start: '12:00', end: '14:00' })).toBe(false);
    expect(isInQuietHours(at('2025-03-04T14:00:00Z'), 'UTC', { start: '10:00', end: '10:00' })).toBe(false);
  });

  it('reads the clock in the member zone and says when the window ends', () => {
    // 06:00Z is 07:00 in Madrid (quiet) and 01:00 in New York (quiet); 15:00 in Tokyo (not).
    expect(isInQuietHours(at('2025-03-03T06:00:00Z'), 'Asia/Tokyo', overnight)).toBe(false);
    expect(quietHoursEnd(at('2025-03-03T06:00:00Z'), 'Europe/Madrid', overnight).toISOString()).toBe(
      '2025-03-03T07:00:00.000Z',
    );
    expect(quietHoursEnd(at('2025-03-03T06:00:00Z'), 'America/New_York', overnight).toISOString()).toBe(
      '2025-03-03T13:00:00.000Z',
    );
    // Before midnight: the end is the next morning.
    expect(quietHoursEnd(at('2025-03-03T22:00:00Z'), 'UTC', overnight).toISOString()).toBe(
      '2025-03-04T08:00:00.000Z',
    );
    const outside = at('2025-03-03T12:00:00Z');
    expect(quietHoursEnd(outside, 'UTC', overnight)).toBe(outside);
  });
});

describe('matchBranch', () => {
  const branches: TAskBranch[] = [
    { id: 'yes', label: 'Sí', match: { kind: 'choice', value: 'yes' } },
    { id: 'tired', label: 'Tired', match: { kind: 'keyword', keywords: ['tired', 'no energy'] } },
    { id: 'low', label: 'Low', match: { kind: 'number', min: 0, max: 4 } },
    { id: 'high', label: 'High', match: { kind: 'number', min: 5, max: 10 } },
  ];

  it('matches a choice by value or label, ignoring case, accents and punctuation', () => {
    expect(matchBranch(branches, '  YES! ')).toEqual({ branchId: 'yes' });
    expect(matchBranch(branches, 'si')).toEqual({ branchId: 'yes' });
    expect(matchBranch(branches, 'yes please')).toEqual({ branchId: null });
  });

  it('matches keywords as whole words', () => {
    expect(matchBranch(branches, "I'm so TIRED today")).toEqual({ branchId: 'tired' });
    expect(matchBranch(branches, 'I have no energy left')).toEqual({ branchId: 'tired' });
    expect(matchBranch(branches, 'retired last year')).toEqual({ branchId: null });
  });

  it('matches the first number in the text against the ranges', () => {
    expect(matchBranch(branches, 'about 3 hours, maybe 8')).toEqual({ branchId: 'low' });
    expect(matchBranch(branches, '7,5')).toEqual({ branchId: 'high' });
    expect(matchBranch(branches, '42')).toEqual({ branchId: null });
    expect(firstNumber('−2 degrees')).toBe(-2);
  });

  it('asks for AI classification when only ai branches are left', () => {
    const withAi: TAskBranch[] = [
      ...branches,
      { id: 'stress', label: 'Stressed', match: { kind: 'ai', intent: 'The member feels stressed' } },
    ];
    expect(matchBranch(withAi, 'work is overwhelming')).toEqual({ needsAi: [withAi[4]] });
    expect(matchBranch(withAi, 'yes')).toEqual({ branchId: 'yes' });
  });
});

describe('evaluateConditions', () => {
  const facts = {
    attributes: { plan: 'Premium', age: 34, startDate: '2025-01-10', vip: true },
    tags: ['sleep', 'Beginner'],
    channel: 'whatsapp',
    timezone: 'Europe/Madrid',
  };
  const rule = (partial: TConditionRule) => partial;

  it('compares attributes as text, numbers and dates', () => {
    expect(
      evaluateConditions(
        'all',
        [rule({ field: 'attribute', key: 'plan', op: 'eq', value: 'premium' })],
        facts,
      ),
    ).toBe(true);
    expect(
      evaluateConditions('all', [rule({ field: 'attribute', key: 'age', op: 'gte', value: 34 })], facts),
    ).toBe(true);
    expect(
      evaluateConditions('all', [rule({ field: 'attribute', key: 'age', op: 'gt', value: '40' })], facts),
    ).toBe(false);
    expect(
      evaluateConditions(
        'all',
        [rule({ field: 'attribute', key: 'startDate', op: 'lt', value: '2025-02-01' })],
        facts,
      ),
    ).toBe(true);
    expect(
      evaluateConditions('all', [rule({ field: 'attribute', key: 'missing', op: 'not_exists' })], facts),
    ).toBe(true);
    expect(
      evaluateConditions(
        'all',
        [rule({ field: 'attribute', key: 'plan', op: 'contains', value: 'mium' })],
        facts,
      ),
    ).toBe(true);
  });

  it('checks tags, channel and timezone, with all and any', () => {
    const hasSleep = rule({ field: 'tag', op: 'has', value: 'SLEEP' });
    const onTelegram = rule({ field: 'channel', op: 'eq', value: 'telegram' });
    expect(evaluateConditions('all', [hasSleep, onTelegram], facts)).toBe(false);
    expect(evaluateConditions('any', [hasSleep, onTelegram], facts)).toBe(true);
    expect(evaluateConditions('all', [rule({ field: 'tag', op: 'not_has', value: 'advanced' })], facts)).toBe(
      true,
    );
    expect(
      evaluateConditions('all', [rule({ field: 'timezone', op: 'contains', value: 'europe' })], facts),
    ).toBe(true);
  });

  it('treats habit and points rules as false while there is no such data', () => {
    const streak = rule({ field: 'habit_streak', key: 'walk', op: 'gte', value: 3 });
    const points = rule({ field: 'points', op: 'not_exists' });
    expect(evaluateConditions('any', [streak, points], facts)).toBe(false);
    expect(evaluateConditions('all', [streak], { ...facts, habitStreaks: { walk: 5 } })).toBe(true);
    expect(
      evaluateConditions('all', [rule({ field: 'points', op: 'lt', value: 10 })], { ...facts, points: 3 }),
    ).toBe(true);
  });
});

describe('templates', () => {
  it('renders nested variables and blanks the missing ones', () => {
    const vars = { member: { firstName: 'Ana', attributes: { goal: 'sleep 8h' } }, answers: { mood: 7 } };
    expect(
      renderTemplate(
        'Hi {{ member.firstName }}! Goal: {{member.attributes.goal}}, mood {{answers.mood}}{{x.y}}',
        vars,
      ),
    ).toBe('Hi Ana! Goal: sleep 8h, mood 7');
    expect(renderTemplate('{{member}} {{member.constructor}}', vars)).toBe(' ');
  });

  it('lists the variables a text uses, once each', () => {
    expect(templateVariables('{{member.name}} {{answers.mood}} {{ member.name }} {{ bad name }}')).toEqual([
      'member.name',
      'answers.mood',
    ]);
  });

  it('follows an edge by its handle, next matching an edge without one', () => {
    const graph = {
      nodes: [],
      edges: [
        { id: 'e1', source: 'a', target: 'b' },
        { id: 'e2', source: 'b', target: 'c', sourceHandle: 'timeout' },
      ],
    };
    expect(edgeTarget(graph, 'a', 'next')).toBe('b');
    expect(edgeTarget(graph, 'b', 'timeout')).toBe('c');
    expect(edgeTarget(graph, 'b', 'next')).toBeNull();
  });
});
