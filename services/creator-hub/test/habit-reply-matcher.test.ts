import { describe, expect, it } from 'vitest';
import { matchHabitReply, type ReplyHabit } from '../src/services/habit-reply-matcher';

const run: ReplyHabit = { id: 'run', name: 'Morning run', keywords: ['ran', 'jog'] };
const water: ReplyHabit = { id: 'water', name: 'Drink 8 glasses of water', keywords: [] };
const yoga: ReplyHabit = { id: 'yoga', name: 'Yoga', keywords: ['stretching'] };
const habits = [run, water, yoga];

describe('matchHabitReply', () => {
  it('recognises plain replies naming a habit', () => {
    expect(matchHabitReply('did my run', habits)).toEqual({
      kind: 'match',
      habitId: 'run',
      status: 'done',
      dayOffset: 0,
      isBareCheckIn: true,
    });
    expect(matchHabitReply('Done with water!', habits)).toMatchObject({ habitId: 'water', status: 'done' });
    expect(matchHabitReply('✅ yoga', habits)).toMatchObject({ habitId: 'yoga', status: 'done' });
    expect(matchHabitReply('finished my stretching', habits)).toMatchObject({ habitId: 'yoga' });
    expect(matchHabitReply('Terminé el yoga', habits)).toMatchObject({ habitId: 'yoga', status: 'done' });
  });

  it('reads skips, and yesterday', () => {
    expect(matchHabitReply('skip yoga today', habits)).toMatchObject({ habitId: 'yoga', status: 'skipped' });
    expect(matchHabitReply('did my run yesterday', habits)).toMatchObject({ habitId: 'run', dayOffset: -1 });
  });

  it('ignores negated cues and messages without a cue', () => {
    expect(matchHabitReply("I didn't do my run", habits)).toMatchObject({ kind: 'none' });
    expect(matchHabitReply('not done with my run yet', habits)).toEqual({
      kind: 'none',
      reason: 'negated',
      candidates: [],
    });
    expect(matchHabitReply('I did not finish the yoga', habits)).toMatchObject({
      kind: 'none',
      reason: 'negated',
    });
    expect(matchHabitReply('how long should my run be?', habits)).toEqual({
      kind: 'none',
      reason: 'no_intent',
      candidates: [],
    });
  });

  it('refuses to guess between habits named equally often', () => {
    expect(matchHabitReply('did my run and my yoga', habits)).toEqual({
      kind: 'none',
      reason: 'ambiguous',
      candidates: ['run', 'yoga'],
    });
  });

  it('gives a bare "done" to the only habit, and asks otherwise', () => {
    expect(matchHabitReply('done ✅', [run])).toMatchObject({
      kind: 'match',
      habitId: 'run',
      isBareCheckIn: true,
    });
    expect(matchHabitReply('all done for today!', [water])).toMatchObject({ habitId: 'water' });
    expect(matchHabitReply('done', habits)).toEqual({
      kind: 'none',
      reason: 'no_habit_mentioned',
      candidates: ['run', 'water', 'yoga'],
    });
    expect(matchHabitReply('done', [])).toMatchObject({ kind: 'none', reason: 'no_active_habits' });
  });

  it('says when a reply carries more than the check-in (the coach should still answer)', () => {
    expect(matchHabitReply('did my run but my knee hurts, what should I do?', habits)).toMatchObject({
      kind: 'match',
      habitId: 'run',
      isBareCheckIn: false,
    });
  });
});
