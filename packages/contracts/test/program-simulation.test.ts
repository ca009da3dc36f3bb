import { describe, expect, it } from 'vitest';
import { simulateProgram } from '../src/creator-hub/program-simulation';
import { type TProgramGraph, ZProgramGraph, ZSimulateProgram } from '../src/creator-hub/programs';

type RawNode = { id: string; type: string; data?: Record<string, unknown> };
type RawEdge = { id: string; source: string; target: string; sourceHandle?: string };

const graphOf = (nodes: RawNode[], edges: [string, string, string?][]): TProgramGraph =>
  ZProgramGraph.parse({
    nodes,
    edges: edges.map(
      ([source, target, sourceHandle], index): RawEdge => ({
        id: `e${index}`,
        source,
        target,
        ...(sourceHandle ? { sourceHandle } : {}),
      }),
    ),
  });

const input = (raw: Record<string, unknown> = {}) => ZSimulateProgram.parse(raw);
const context = { now: new Date('2025-03-03T12:00:00Z'), creatorName: 'Ana Coaching', coachName: 'Sol' };

const start: RawNode = { id: 'start', type: 'start', data: {} };
const end: RawNode = { id: 'end', type: 'end' };

const askGraph = () =>
  graphOf(
    [
      start,
      {
        id: 'ask',
        type: 'ask',
        data: {
          text: 'How was your sleep, {{member.firstName}}?',
          saveAs: 'sleep',
          branches: [
            { id: 'good', label: 'Good', match: { kind: 'keyword', keywords: ['great', 'good'] } },
            {
              id: 'quit',
              label: 'Wants to stop',
              match: { kind: 'ai', intent: 'wants to quit the program' },
            },
          ],
          timeout: { amount: 2, unit: 'hours' },
        },
      },
      { id: 'yay', type: 'message', data: { text: 'Glad it was "{{answers.sleep}}" — {{coach.name}}' } },
      { id: 'bye', type: 'message', data: { text: 'Sorry to see you go' } },
      { id: 'nudge', type: 'message', data: { text: 'Tell me when you can' } },
      end,
    ],
    [
      ['start', 'ask'],
      ['ask', 'yay', 'good'],
      ['ask', 'bye', 'quit'],
      ['ask', 'end', 'other'],
      ['ask', 'nudge', 'timeout'],
      ['yay', 'end'],
      ['bye', 'end'],
      ['nudge', 'end'],
    ],
  );

describe('simulateProgram', () => {
  it('waits until 08:00 in the member’s time zone and renders the messages', () => {
    const graph = graphOf(
      [
        start,
        { id: 'hello', type: 'message', data: { text: 'Hi {{member.firstName}}, from {{creator.name}}' } },
        { id: 'morning', type: 'wait', data: { mode: 'until', time: '08:00' } },
        { id: 'tip', type: 'message', data: { text: 'Good morning!' } },
        end,
      ],
      [
        ['start', 'hello'],
        ['hello', 'morning'],
        ['morning', 'tip'],
        ['tip', 'end'],
      ],
    );
    // 19:00 in Madrid on Monday 3 March 2025 (UTC+1).
    const result = simulateProgram(
      graph,
      input({ member: { name: 'Alex Sample', timezone: 'Europe/Madrid' }, startAt: '2025-03-03T18:00:00Z' }),
      context,
    );
    expect(result.ended).toBe('end');
    expect(result.path.map((step) => [step.nodeId, step.via])).toEqual([
      ['start', 'next'],
      ['hello', 'next'],
      ['morning', 'next'],
      ['tip', 'next'],
      ['end', null],
    ]);
    expect(result.path[1]!.detail).toContain('"Hi Alex, from Ana Coaching"');
    expect(result.path[2]!.at).toBe('2025-03-03T18:00:00.000Z');
    expect(result.path[2]!.detail).toBe('Waits until 2025-03-04 08:00 Europe/Madrid.');
    expect(result.path[3]!.at).toBe('2025-03-04T07:00:00.000Z');
  });

  it('holds a message due in the quiet hours until they end', () => {
    const graph = graphOf(
      [start, { id: 'late', type: 'message', data: { text: 'Still up?' } }, end],
      [
        ['start', 'late'],
        ['late', 'end'],
      ],
    );
    const result = simulateProgram(graph, input({ startAt: '2025-03-03T23:30:00Z' }), {
      ...context,
      quietHours: { start: '21:00', end: '08:00' },
    });
    expect(result.path[1]!.at).toBe('2025-03-04T08:00:00.000Z');
    expect(result.path[1]!.detail).toContain('Held for the quiet hours (21:00–08:00)');
  });

  it('takes the branch the scripted reply matches and keeps the answer for later messages', () => {
    const result = simulateProgram(askGraph(), input({ replies: ['Great, 8 hours'] }), context);
    expect(result.path.map((step) => step.nodeId)).toEqual(['start', 'ask', 'yay', 'end']);
    expect(result.path[1]).toMatchObject({ outcome: 'answered', via: 'good' });
    expect(result.path[1]!.detail).toContain('Asks "How was your sleep, Alex?"');
    expect(result.path[2]!.detail).toContain('"Glad it was "Great, 8 hours" — Sol"');
  });

  it('matches an ai branch by the words of its intent, and says there is no AI', () => {
    const result = simulateProgram(askGraph(), input({ replies: ['I want to quit'] }), context);
    expect(result.path[1]!.via).toBe('quit');
    expect(result.path[1]!.detail).toContain('no AI in the simulator');
    const other = simulateProgram(askGraph(), input({ replies: ['purple'] }), context);
    expect(other.path[1]!.via).toBe('other');
    expect(other.path[1]!.detail).toContain('no AI in the simulator');
  });

  it('takes the timeout exit after the ask node’s timeout when no reply is left', () => {
    const result = simulateProgram(askGraph(), input({ startAt: '2025-03-03T10:00:00Z' }), context);
    expect(result.path[1]).toMatchObject({ outcome: 'timed_out', via: 'timeout' });
    expect(result.path[2]).toMatchObject({ nodeId: 'nudge', at: '2025-03-03T12:00:00.000Z' });
  });

  it('stops waiting for a reply when the timeout exit leads nowhere', () => {
    const graph = askGraph();
    graph.edges = graph.edges.filter((edge) => edge.sourceHandle !== 'timeout');
    const result = simulateProgram(graph, input(), context);
    expect(result.ended).toBe('waiting_for_reply');
    expect(result.path.at(-1)).toMatchObject({ nodeId: 'ask', outcome: 'waiting', via: null });
  });

  it('evaluates conditions against the sample member, including tags added on the way', () => {
    const graph = graphOf(
      [
        start,
        { id: 'tag', type: 'tag', data: { action: 'add', tags: ['vip'] } },
        {
          id: 'check',
          type: 'condition',
          data: {
            rules: [
              { field: 'tag', op: 'has', value: 'vip' },
              { field: 'attribute', key: 'plan', op: 'eq', value: 'gold' },
            ],
          },
        },
        { id: 'yes', type: 'end' },
        { id: 'no', type: 'end' },
      ],
      [
        ['start', 'tag'],
        ['tag', 'check'],
        ['check', 'yes', 'true'],
        ['check', 'no', 'false'],
      ],
    );
    const gold = simulateProgram(graph, input({ member: { attributes: { plan: 'Gold' } } }), context);
    expect(gold.path.map((step) => step.nodeId)).toEqual(['start', 'tag', 'check', 'yes']);
    const basic = simulateProgram(graph, input({ member: { attributes: { plan: 'basic' } } }), context);
    expect(basic.path.at(-1)!.nodeId).toBe('no');
  });

  it('stops at max steps in a loop, at a dead end, and at a goto_program', () => {
    const loop = graphOf(
      [start, { id: 'spin', type: 'tag', data: { action: 'add', tags: ['x'] } }],
      [
        ['start', 'spin'],
        ['spin', 'spin'],
      ],
    );
    const looped = simulateProgram(loop, input({ maxSteps: 5 }), context);
    expect(looped).toMatchObject({ ended: 'max_steps' });
    expect(looped.path).toHaveLength(5);

    const open = graphOf([start, { id: 'say', type: 'message', data: { text: 'Hi' } }], [['start', 'say']]);
    expect(simulateProgram(open, input(), context).ended).toBe('dead_end');

    const jump = graphOf(
      [
        start,
        { id: 'jump', type: 'goto_program', data: { programId: '7b0f5f0e-5d1c-4c1e-9a55-2f0c1a2b3c4d' } },
      ],
      [['start', 'jump']],
    );
    expect(simulateProgram(jump, input(), context)).toMatchObject({
      ended: 'goto_program',
      path: [{ nodeId: 'start' }, { nodeId: 'jump', via: null }],
    });
  });
});
