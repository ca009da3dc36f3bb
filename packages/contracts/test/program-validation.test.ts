import { describe, expect, it } from 'vitest';
import { draftBlockingErrorCodes, validateProgramGraph } from '../src/creator-hub/program-validation';
import { programLimits } from '../src/creator-hub/programs';

type RawNode = { id: string; type: string; data?: Record<string, unknown> };
type RawEdge = { id: string; source: string; target: string; sourceHandle?: string | null };
type RawGraph = { nodes: RawNode[]; edges: RawEdge[] };

/**
 * start → ask "mood" (saveAs mood; branches good / bad) → good: message → wait until 08:00 → end;
 * bad, other and timeout → end2.
 */
const validGraph = (): RawGraph => ({
  nodes: [
    { id: 'start', type: 'start', data: { triggers: [{ type: 'manual' }] } },
    {
      id: 'ask',
      type: 'ask',
      data: {
        text: 'How do you feel, {{member.firstName}}?',
        saveAs: 'mood',
        branches: [
          { id: 'good', label: 'Good', match: { kind: 'choice', value: 'good' } },
          { id: 'bad', label: 'Bad', match: { kind: 'keyword', keywords: ['bad', 'tired'] } },
        ],
      },
    },
    {
      id: 'cheer',
      type: 'message',
      data: { text: 'You said {{answers.mood}}. Your goal: {{member.attributes.goal}} — {{coach.name}}' },
    },
    { id: 'morning', type: 'wait', data: { mode: 'until', time: '08:00' } },
    { id: 'end', type: 'end' },
    { id: 'end2', type: 'end' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ask' },
    { id: 'e2', source: 'ask', target: 'cheer', sourceHandle: 'good' },
    { id: 'e3', source: 'ask', target: 'end2', sourceHandle: 'bad' },
    { id: 'e4', source: 'ask', target: 'end2', sourceHandle: 'other' },
    { id: 'e5', source: 'ask', target: 'end2', sourceHandle: 'timeout' },
    { id: 'e6', source: 'cheer', target: 'morning' },
    { id: 'e7', source: 'morning', target: 'end', sourceHandle: 'next' },
  ],
});

const codes = (input: unknown, options?: Parameters<typeof validateProgramGraph>[1]) =>
  validateProgramGraph(input, options).errors.map((error) => error.code);

describe('validateProgramGraph', () => {
  it('accepts a connected graph and returns it parsed, with defaults applied', () => {
    const result = validateProgramGraph(validGraph());
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    const ask = result.graph?.nodes.find((node) => node.id === 'ask');
    expect(ask?.type === 'ask' && ask.data.timeout).toEqual({ amount: 1, unit: 'days' });
  });

  it('names the node and the field of a schema failure', () => {
    const graph = validGraph();
    graph.nodes[2]!.data = { text: '' };
    const result = validateProgramGraph(graph);
    expect(result.valid).toBe(false);
    expect(result.graph).toBeUndefined();
    expect(result.errors).toEqual([
      expect.objectContaining({ code: 'schema', nodeId: 'cheer', path: 'nodes.2.data.text' }),
    ]);
    expect(result.errors[0]!.message).toContain('Node "cheer" (message): data.text');
  });

  it('names the node of an unknown node type and the edge of a broken edge', () => {
    const graph = validGraph();
    graph.nodes[3] = { id: 'morning', type: 'teleport', data: {} };
    (graph.edges[0] as Partial<RawEdge>).target = undefined;
    const errors = validateProgramGraph(graph).errors;
    expect(errors).toContainEqual(expect.objectContaining({ code: 'schema', nodeId: 'morning' }));
    expect(errors).toContainEqual(
      expect.objectContaining({ code: 'schema', edgeId: 'e1', path: 'edges.0.target' }),
    );
  });

  it('refuses a graph over the size limit before parsing it', () => {
    const graph = validGraph();
    graph.nodes[2]!.data = { text: 'x'.repeat(programLimits.maxGraphBytes) };
    const result = validateProgramGraph(graph);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'too_large' })]);
    expect(result.errors[0]!.message).toContain(String(programLimits.maxGraphBytes));
  });

  it('reports a graph without a start node', () => {
    const graph = validGraph();
    graph.nodes[0] = { id: 'start', type: 'end' };
    graph.edges = graph.edges.filter((edge) => edge.source !== 'start');
    expect(codes(graph)).toContain('no_start');
  });

  it('reports every start node after the first', () => {
    const graph = validGraph();
    graph.nodes.push({ id: 'start2', type: 'start', data: {} });
    graph.edges.push({ id: 'e8', source: 'start2', target: 'end' });
    const result = validateProgramGraph(graph);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'several_starts', nodeId: 'start2' })]);
  });

  it('reports a duplicated node id, and a branch id used twice in one ask node', () => {
    const graph = validGraph();
    graph.nodes.push({ id: 'end', type: 'end' });
    const ask = graph.nodes[1]!.data as { branches: unknown[] };
    ask.branches.push({ id: 'other', label: 'Other', match: { kind: 'choice', value: 'x' } });
    const errors = validateProgramGraph(graph).errors.filter((error) => error.code === 'duplicate_id');
    expect(errors.map((error) => [error.nodeId, error.path])).toEqual([
      ['ask', 'nodes.1.data.branches'],
      ['end', 'nodes.6.id'],
    ]);
  });

  it('reports an edge to a node that does not exist, naming the edge', () => {
    const graph = validGraph();
    graph.edges[6]!.target = 'nowhere';
    const errors = validateProgramGraph(graph).errors;
    expect(errors).toContainEqual(
      expect.objectContaining({ code: 'missing_node', edgeId: 'e7', nodeId: 'morning', path: 'edges.6' }),
    );
    expect(errors.find((error) => error.code === 'missing_node')!.message).toContain('"nowhere"');
  });

  it('reports an edge leaving by a handle its source node does not have', () => {
    const graph = validGraph();
    graph.edges[5]!.sourceHandle = 'true';
    const errors = validateProgramGraph(graph).errors;
    expect(errors).toContainEqual(
      expect.objectContaining({ code: 'unknown_handle', nodeId: 'cheer', edgeId: 'e6' }),
    );
  });

  it('reports two edges on one exit', () => {
    const graph = validGraph();
    graph.edges.push({ id: 'e8', source: 'ask', target: 'end', sourceHandle: 'good' });
    expect(validateProgramGraph(graph).errors).toEqual([
      expect.objectContaining({ code: 'duplicate_edge', nodeId: 'ask', edgeId: 'e8' }),
    ]);
  });

  it('treats an edge without a handle as the next exit', () => {
    const graph = validGraph();
    graph.edges[6]!.sourceHandle = null;
    expect(validateProgramGraph(graph).valid).toBe(true);
  });

  it('reports every exit left unconnected, including an ask node’s timeout', () => {
    const graph = validGraph();
    graph.edges = graph.edges.filter((edge) => edge.id !== 'e5' && edge.id !== 'e4');
    const result = validateProgramGraph(graph);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'dangling_branch', nodeId: 'ask' })]);
    expect(result.errors[0]!.message).toContain('"other", "timeout" exits');
  });

  it('reports nodes the start node cannot reach', () => {
    const graph = validGraph();
    graph.nodes.push({ id: 'island', type: 'message', data: { text: 'Nobody reads me' } });
    graph.edges.push({ id: 'e8', source: 'island', target: 'end' });
    expect(validateProgramGraph(graph).errors).toEqual([
      expect.objectContaining({ code: 'unreachable', nodeId: 'island' }),
    ]);
  });

  it('reports a loop with no wait or question in it, naming one of its nodes', () => {
    const graph = validGraph();
    // cheer → tag → cheer, with the wait moved out of the loop's way.
    graph.nodes.push({ id: 'tagger', type: 'tag', data: { action: 'add', tags: ['looping'] } });
    graph.edges[5]!.target = 'tagger';
    graph.edges.push({ id: 'e8', source: 'tagger', target: 'cheer' });
    graph.edges = graph.edges.filter((edge) => edge.source !== 'morning');
    graph.nodes = graph.nodes.filter((node) => node.id !== 'morning' && node.id !== 'end');
    const result = validateProgramGraph(graph);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'loop_without_wait', nodeId: 'cheer' })]);
  });

  it('accepts a loop that waits, and reports a node that loops to itself', () => {
    const waiting = validGraph();
    waiting.edges[6]!.target = 'cheer';
    waiting.nodes = waiting.nodes.filter((node) => node.id !== 'end');
    expect(validateProgramGraph(waiting).valid).toBe(true);

    const selfLoop = validGraph();
    selfLoop.nodes.push({ id: 'spin', type: 'tag', data: { action: 'add', tags: ['x'] } });
    selfLoop.edges[6]!.target = 'spin';
    selfLoop.edges.push({ id: 'e8', source: 'spin', target: 'spin' });
    selfLoop.nodes = selfLoop.nodes.filter((node) => node.id !== 'end');
    expect(validateProgramGraph(selfLoop).errors).toEqual([
      expect.objectContaining({ code: 'loop_without_wait', nodeId: 'spin' }),
    ]);
  });

  it('reports unknown template variables and malformed placeholders', () => {
    const graph = validGraph();
    graph.nodes[2]!.data = { text: 'Hi {{member.nickname}} {{ not a variable }} {{member.email}}' };
    const result = validateProgramGraph(graph);
    expect(result.errors).toEqual([expect.objectContaining({ code: 'unknown_variable', nodeId: 'cheer' })]);
    expect(result.errors[0]!.message).toContain(
      'uses {{member.nickname}}, {{ not a variable }}, which are not known here',
    );
  });

  it('knows an answer only after the ask node that saves it', () => {
    const graph = validGraph();
    graph.nodes[1]!.data = { ...graph.nodes[1]!.data, text: 'Last time you said {{answers.mood}}' };
    expect(validateProgramGraph(graph).errors).toEqual([
      expect.objectContaining({ code: 'unknown_variable', nodeId: 'ask' }),
    ]);
    const other = validGraph();
    other.nodes[2]!.data = { text: '{{answers.energy}}' };
    expect(codes(other)).toEqual(['unknown_variable']);
  });

  it('checks goto_program targets only against the known program ids it is given', () => {
    const known = '7b0f5f0e-5d1c-4c1e-9a55-2f0c1a2b3c4d';
    const unknown = '0d9b1c52-8f37-4f6e-a7a8-5d1e0f9c8b7a';
    const graph = validGraph();
    graph.nodes.push({ id: 'jump', type: 'goto_program', data: { programId: unknown } });
    graph.edges[6]!.target = 'jump';
    graph.nodes = graph.nodes.filter((node) => node.id !== 'end');
    expect(validateProgramGraph(graph).valid).toBe(true);
    expect(validateProgramGraph(graph, { knownProgramIds: new Set([known]) }).errors).toEqual([
      expect.objectContaining({ code: 'unknown_program', nodeId: 'jump', path: 'nodes.5.data.programId' }),
    ]);
    expect(validateProgramGraph(graph, { knownProgramIds: new Set([known, unknown]) }).valid).toBe(true);
  });

  it('marks data errors as blocking a draft and structural ones as blocking only publishing', () => {
    expect(draftBlockingErrorCodes.has('missing_node')).toBe(true);
    expect(draftBlockingErrorCodes.has('schema')).toBe(true);
    expect(draftBlockingErrorCodes.has('unreachable')).toBe(false);
    expect(draftBlockingErrorCodes.has('dangling_branch')).toBe(false);
  });
});
