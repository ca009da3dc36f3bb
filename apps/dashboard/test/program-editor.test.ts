import { type TProgramGraph, ZProgramGraph } from '@companero/contracts/creator-hub/programs';
import { describe, expect, it } from 'vitest';
import {
  canRedo,
  canUndo,
  coalesceMs,
  createHistory,
  historyLimit,
  pushHistory,
} from '../src/features/programs/graph-history';
import {
  createEditorState,
  type EditorAction,
  type EditorState,
  editorReducer,
} from '../src/features/programs/program-editor.reducer';
import { connectExit, fromFlow, toFlow } from '../src/features/programs/program-flow-mapping';
import { checkProgram } from '../src/features/programs/program-problems';
import { programTemplates } from '../src/features/programs/program-templates';

const morningCheckIn = programTemplates.find((template) => template.id === 'morning-check-in')!.graph();
const blank = programTemplates.find((template) => template.id === 'blank')!.graph();

const run = (state: EditorState, ...actions: EditorAction[]) => actions.reduce(editorReducer, state);
const ids = (state: EditorState) => state.nodes.map((node) => node.id);

describe('program graph ↔ React Flow', () => {
  it('round-trips a graph through the canvas unchanged', () => {
    const flow = toFlow(morningCheckIn);
    expect(fromFlow(flow.nodes, flow.edges)).toEqual(morningCheckIn);
  });

  it('gives each node its type, step data and a readable name, and each edge its exit handle', () => {
    const flow = toFlow(morningCheckIn);
    const ask = flow.nodes.find((node) => node.id === 'ask-mood')!;
    expect(ask.type).toBe('ask');
    expect(ask.data).toMatchObject({ type: 'ask', label: 'Morning check-in' });
    expect(ask.ariaLabel).toBe(
      'Ask step “Morning check-in”: Good morning {{member.firstName}}! How do you feel this morning?. Waits 12 hours for an answer',
    );
    expect(flow.nodes.find((node) => node.id === 'start')!.deletable).toBe(false);
    const edge = flow.edges.find((candidate) => candidate.id === 'ask-low')!;
    expect(edge).toMatchObject({
      source: 'ask-mood',
      target: 'ai-low',
      sourceHandle: 'low',
      targetHandle: null,
    });
  });

  it('keeps React Flow’s measured size and selection when a node is rebuilt from the graph', () => {
    const first = toFlow(blank);
    const measured = first.nodes.map((node) => ({
      ...node,
      measured: { width: 240, height: 96 },
      selected: true,
    }));
    const again = toFlow(blank, { nodes: measured });
    expect(again.nodes[0]).toMatchObject({ measured: { width: 240, height: 96 }, selected: true });
  });

  it('saves whole-pixel positions and the default exit as next', () => {
    const flow = toFlow(blank);
    const moved = [{ ...flow.nodes[0]!, position: { x: 10.4, y: 99.6 } }];
    const graph = fromFlow(moved, [{ id: 'e', source: 'start', target: 'x' }]);
    expect(graph.nodes[0]!.position).toEqual({ x: 10, y: 100 });
    expect(graph.edges[0]!.sourceHandle).toBe('next');
  });

  it('lets an exit lead to one place: connecting it again replaces its edge, and never into the start', () => {
    const { edges } = toFlow(morningCheckIn);
    const rewired = connectExit(edges, { source: 'ask-mood', sourceHandle: 'low', target: 'end' }, 'start');
    expect(rewired.filter((edge) => edge.source === 'ask-mood' && edge.sourceHandle === 'low')).toEqual([
      expect.objectContaining({ target: 'end' }),
    ]);
    expect(rewired).toHaveLength(edges.length);
    const intoStart = connectExit(edges, { source: 'end', sourceHandle: 'next', target: 'start' }, 'start');
    expect(intoStart).toEqual(edges);
  });
});

describe('the templates', () => {
  it('are valid programs the API accepts and the validator passes', () => {
    for (const template of programTemplates) {
      const graph = template.graph();
      expect(ZProgramGraph.safeParse(graph).success).toBe(true);
      if (template.id !== 'blank') expect(checkProgram(graph).count).toBe(0);
    }
  });

  it('the morning check-in waits until 08:00, asks Great/Okay/Low and answers each mood with the coach', () => {
    const nodes = new Map(morningCheckIn.nodes.map((node) => [node.id, node]));
    const next = (id: string, handle = 'next') =>
      morningCheckIn.edges.find((edge) => edge.source === id && edge.sourceHandle === handle)?.target;
    const wait = nodes.get(next('start')!)!;
    expect(wait).toMatchObject({ type: 'wait', data: { mode: 'until', time: '08:00' } });
    const ask = nodes.get(next(wait.id)!)!;
    expect(ask.type).toBe('ask');
    if (ask.type !== 'ask') return;
    expect(ask.data.text).toContain('How do you feel this morning?');
    expect(ask.data.quickReplies).toEqual(['Great', 'Okay', 'Low']);
    for (const branch of ask.data.branches) {
      const answer = nodes.get(next(ask.id, branch.id)!)!;
      expect(answer.type).toBe('ai_message');
      expect(nodes.get(next(answer.id)!)!.type).toBe('end');
    }
  });
});

describe('undo and redo', () => {
  it('stacks one snapshot per edit and walks back and forth through them', () => {
    let state = createEditorState(blank);
    expect(canUndo(state.history)).toBe(false);
    state = run(
      state,
      { type: 'nodeAdded', id: 'message-1', nodeType: 'message', position: { x: 0, y: 150 }, at: 1 },
      { type: 'nodeAdded', id: 'end-1', nodeType: 'end', position: { x: 0, y: 300 }, at: 2 },
      {
        type: 'connected',
        connection: { source: 'start', sourceHandle: 'next', target: 'message-1' },
        at: 3,
      },
    );
    expect(ids(state)).toEqual(['start', 'message-1', 'end-1']);
    expect(state.edges).toHaveLength(1);
    expect(state.history.past).toHaveLength(3);
    // The added node is the selected one, so the side panel opens on it.
    expect(state.nodes.filter((node) => node.selected).map((node) => node.id)).toEqual(['end-1']);

    state = run(state, { type: 'undo' });
    expect(state.edges).toHaveLength(0);
    state = run(state, { type: 'undo' }, { type: 'undo' });
    expect(ids(state)).toEqual(['start']);
    expect(canUndo(state.history)).toBe(false);
    state = run(state, { type: 'undo' });
    expect(ids(state)).toEqual(['start']);

    state = run(state, { type: 'redo' }, { type: 'redo' });
    expect(ids(state)).toEqual(['start', 'message-1', 'end-1']);
    expect(canRedo(state.history)).toBe(true);
    // A new edit after undo drops the redo branch.
    state = run(state, { type: 'nodesRemoved', ids: ['end-1'], at: 10 });
    expect(canRedo(state.history)).toBe(false);
    expect(ids(state)).toEqual(['start', 'message-1']);
  });

  it('makes typing in one field one undo step, and a pause or another field a new one', () => {
    let state = run(createEditorState(blank), {
      type: 'nodeAdded',
      id: 'message-1',
      nodeType: 'message',
      position: { x: 0, y: 150 },
      at: 0,
    });
    const type = (text: string, at: number, field = 'text') =>
      ({
        type: 'stepUpdated',
        id: 'message-1',
        coalesceKey: `message-1:${field}`,
        at,
        update: (step) => (step.type === 'message' ? { ...step, data: { ...step.data, text } } : step),
      }) satisfies EditorAction;
    state = run(state, type('H', 100), type('He', 200), type('Hey', 300));
    expect(state.history.past).toHaveLength(2);
    state = run(state, type('Hey!', 300 + coalesceMs + 1));
    expect(state.history.past).toHaveLength(3);
    state = run(state, { type: 'undo' });
    expect(state.nodes[1]!.data).toMatchObject({ data: { text: 'Hey' } });
    state = run(state, { type: 'undo' });
    expect(state.nodes[1]!.data).toMatchObject({ data: { text: '' } });
  });

  it('commits a drag once, when the node is released, not on every move', () => {
    let state = createEditorState(blank);
    const move = (x: number, dragging: boolean) =>
      ({
        type: 'nodesChanged',
        at: x,
        changes: [{ type: 'position', id: 'start', position: { x, y: 0 }, dragging }],
      }) satisfies EditorAction;
    state = run(state, move(10, true), move(20, true), move(30, true));
    expect(state.history.past).toHaveLength(0);
    expect(state.nodes[0]!.position.x).toBe(30);
    state = run(state, move(30, false));
    expect(state.history.past).toHaveLength(1);
    expect(state.history.present.nodes[0]!.position).toEqual({ x: 30, y: 0 });
  });

  it('commits a keyboard deletion of a node and its edges as one step, and never deletes the start', () => {
    let state = run(
      createEditorState(blank),
      { type: 'nodeAdded', id: 'end-1', nodeType: 'end', position: { x: 0, y: 150 }, at: 1 },
      { type: 'connected', connection: { source: 'start', sourceHandle: 'next', target: 'end-1' }, at: 2 },
    );
    const edgeId = state.edges[0]!.id;
    state = run(
      state,
      {
        type: 'nodesChanged',
        at: 3,
        changes: [
          { type: 'remove', id: 'end-1' },
          { type: 'remove', id: 'start' },
        ],
      },
      { type: 'edgesChanged', changes: [{ type: 'remove', id: edgeId }] },
      { type: 'deleted', at: 3 },
    );
    expect(ids(state)).toEqual(['start']);
    expect(state.history.past).toHaveLength(3);
    state = run(state, { type: 'undo' });
    expect(ids(state)).toEqual(['start', 'end-1']);
    expect(state.edges).toHaveLength(1);
  });

  it('drops the edge of an ask branch that is removed', () => {
    let state = createEditorState(morningCheckIn);
    state = run(state, {
      type: 'stepUpdated',
      id: 'ask-mood',
      at: 1,
      update: (step) =>
        step.type === 'ask'
          ? {
              ...step,
              data: { ...step.data, branches: step.data.branches.filter((branch) => branch.id !== 'low') },
            }
          : step,
    });
    expect(state.edges.some((edge) => edge.source === 'ask-mood' && edge.sourceHandle === 'low')).toBe(false);
    expect(state.edges.some((edge) => edge.source === 'ask-mood' && edge.sourceHandle === 'great')).toBe(
      true,
    );
  });

  it('puts someone else’s version on the canvas as a step that undo takes back', () => {
    let state = run(createEditorState(blank), {
      type: 'nodeAdded',
      id: 'end-mine',
      nodeType: 'end',
      position: { x: 0, y: 150 },
      at: 1,
    });
    const theirs: TProgramGraph = morningCheckIn;
    state = run(state, { type: 'replaced', graph: theirs, at: 2 });
    expect(state.history.present).toEqual(theirs);
    state = run(state, { type: 'undo' });
    expect(ids(state)).toEqual(['start', 'end-mine']);
  });

  it('keeps at most the last snapshots and ignores a change that changes nothing', () => {
    let history = createHistory(0);
    for (let index = 1; index <= historyLimit + 20; index += 1) history = pushHistory(history, index);
    expect(history.past).toHaveLength(historyLimit);
    expect(history.past[0]).toBe(20);
    const same = pushHistory(history, history.present, { isSame: (left, right) => left === right });
    expect(same).toBe(history);
  });
});

describe('problems on the canvas', () => {
  it('names the field, and the exits left open, on the node', () => {
    let state = run(
      createEditorState(blank),
      { type: 'nodeAdded', id: 'message-1', nodeType: 'message', position: { x: 0, y: 150 }, at: 1 },
      {
        type: 'connected',
        connection: { source: 'start', sourceHandle: 'next', target: 'message-1' },
        at: 2,
      },
    );
    let problems = checkProgram(state.history.present);
    expect(problems.fieldsByNode.get('message-1')).toEqual({
      'data.text': 'Write the text members receive.',
    });
    // The open exit shows too while the text is still missing.
    expect(problems.byNode.get('message-1')!.map((problem) => problem.message)).toEqual([
      'Write the text members receive.',
      'Connect its "next" exit (an end node will do).',
    ]);
    expect(problems.blocksSaving).toBe(true);

    state = run(state, {
      type: 'stepUpdated',
      id: 'message-1',
      at: 3,
      update: (step) => (step.type === 'message' ? { ...step, data: { ...step.data, text: 'Hi!' } } : step),
    });
    problems = checkProgram(state.history.present);
    expect(problems.blocksSaving).toBe(false);
    expect(problems.byNode.get('message-1')).toEqual([
      expect.objectContaining({
        code: 'dangling_branch',
        message: 'Connect its "next" exit (an end node will do).',
      }),
    ]);
    expect(problems.count).toBe(1);
  });

  it('shows the server’s publish errors on the node they name', () => {
    const problems = checkProgram(morningCheckIn, [
      {
        nodeId: 'ai-low',
        code: 'private_webhook',
        message: 'Node "ai-low" (ai_message): something only the server knows.',
      },
    ]);
    expect(problems.byNode.get('ai-low')).toEqual([
      { code: 'private_webhook', message: 'Something only the server knows.', isFromServer: true },
    ]);
  });
});
