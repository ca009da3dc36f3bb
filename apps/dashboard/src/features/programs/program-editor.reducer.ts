import {
  nodeHandles,
  type TProgramGraph,
  type TProgramNodeType,
} from '@companero/contracts/creator-hub/programs';
import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import {
  canRedo,
  canUndo,
  createHistory,
  type History,
  pushHistory,
  redoHistory,
  undoHistory,
} from './graph-history';
import {
  connectExit,
  fromFlow,
  fromFlowNode,
  isSameGraph,
  type ProgramFlowEdge,
  type ProgramFlowNode,
  toFlow,
  toFlowNode,
} from './program-flow-mapping';
import { newStep, type ProgramStep } from './program-steps';

/**
 * The builder's state: React Flow's nodes and edges (what the canvas draws, with sizes and selection) and the
 * history of graph snapshots. Every change that a person would call one edit — a drop, a connection, a
 * deletion, a drag once released, a field typed into — commits one snapshot; the snapshot is what autosave
 * sends. Pure, so undo and redo are tested without a canvas.
 */
export type EditorState = {
  nodes: ProgramFlowNode[];
  edges: ProgramFlowEdge[];
  history: History<TProgramGraph>;
};

export type EditorAction =
  | { type: 'loaded'; graph: TProgramGraph }
  /** Someone else's version replaces the canvas as one more step: undo brings this person's back. */
  | { type: 'replaced'; graph: TProgramGraph; at: number }
  | { type: 'nodesChanged'; changes: NodeChange<ProgramFlowNode>[]; at: number }
  | { type: 'edgesChanged'; changes: EdgeChange<ProgramFlowEdge>[] }
  /** React Flow deleted nodes and edges (keyboard): both change lists have been applied by now. */
  | { type: 'deleted'; at: number }
  | { type: 'connected'; connection: Pick<Connection, 'source' | 'sourceHandle' | 'target'>; at: number }
  | { type: 'nodeAdded'; id: string; nodeType: TProgramNodeType; position: XYPosition; at: number }
  | {
      type: 'stepUpdated';
      id: string;
      update: (step: ProgramStep) => ProgramStep;
      /** Keystrokes in one field share a key and become one undo step. */
      coalesceKey?: string;
      at: number;
    }
  | { type: 'nodesRemoved'; ids: string[]; at: number }
  | { type: 'selected'; id: string | null }
  | { type: 'undo' }
  | { type: 'redo' };

export const createEditorState = (graph: TProgramGraph): EditorState => {
  const flow = toFlow(graph);
  return { ...flow, history: createHistory(fromFlow(flow.nodes, flow.edges)) };
};

const commit = (state: EditorState, options: { at: number; coalesceKey?: string }): EditorState => ({
  ...state,
  history: pushHistory(state.history, fromFlow(state.nodes, state.edges), {
    at: options.at,
    coalesceKey: options.coalesceKey,
    isSame: isSameGraph,
  }),
});

const restore = (state: EditorState, history: History<TProgramGraph>): EditorState => {
  const flow = toFlow(history.present, state);
  return { ...flow, history };
};

const startIdOf = (nodes: readonly ProgramFlowNode[]) =>
  nodes.find((node) => node.type === 'start')?.id ?? null;

const selectOnly = (nodes: ProgramFlowNode[], id: string | null): ProgramFlowNode[] =>
  nodes.map((node) => {
    const isSelected = node.id === id;
    return Boolean(node.selected) === isSelected ? node : { ...node, selected: isSelected };
  });

export const editorReducer = (state: EditorState, action: EditorAction): EditorState => {
  switch (action.type) {
    case 'loaded':
      return createEditorState(action.graph);
    case 'replaced': {
      const flow = toFlow(action.graph, state);
      return commit({ ...state, ...flow }, { at: action.at });
    }
    case 'nodesChanged': {
      // The start step stays: React Flow honours `deletable: false`, and this guards any other path.
      const changes = action.changes.filter(
        (change) => !(change.type === 'remove' && change.id === startIdOf(state.nodes)),
      );
      const next = { ...state, nodes: applyNodeChanges(changes, state.nodes) };
      // A drag commits once, when released (dragging false); arrow-key moves arrive that way too.
      const isMoveFinished = changes.some(
        (change) => change.type === 'position' && change.dragging === false,
      );
      return isMoveFinished ? commit(next, { at: action.at }) : next;
    }
    case 'edgesChanged':
      return { ...state, edges: applyEdgeChanges(action.changes, state.edges) };
    case 'deleted':
      return commit(state, { at: action.at });
    case 'connected':
      return commit(
        { ...state, edges: connectExit(state.edges, action.connection, startIdOf(state.nodes)) },
        { at: action.at },
      );
    case 'nodeAdded': {
      const node = toFlowNode({ id: action.id, position: action.position, ...newStep(action.nodeType) });
      return commit(
        { ...state, nodes: [...selectOnly(state.nodes, null), { ...node, selected: true }] },
        { at: action.at },
      );
    }
    case 'stepUpdated': {
      const nodes = state.nodes.map((node) => {
        if (node.id !== action.id) return node;
        const step = action.update(node.data);
        return toFlowNode({ id: node.id, position: node.position, ...step }, node);
      });
      // An exit that no longer exists (a removed branch) takes its edge with it.
      const updated = nodes.find((node) => node.id === action.id);
      const exits = updated ? new Set(nodeHandles(fromFlowNode(updated))) : null;
      const edges = exits
        ? state.edges.filter((edge) => edge.source !== action.id || exits.has(edge.sourceHandle ?? 'next'))
        : state.edges;
      return commit({ ...state, nodes, edges }, { at: action.at, coalesceKey: action.coalesceKey });
    }
    case 'nodesRemoved': {
      const startId = startIdOf(state.nodes);
      const ids = new Set(action.ids.filter((id) => id !== startId));
      return commit(
        {
          ...state,
          nodes: state.nodes.filter((node) => !ids.has(node.id)),
          edges: state.edges.filter((edge) => !ids.has(edge.source) && !ids.has(edge.target)),
        },
        { at: action.at },
      );
    }
    case 'selected':
      return { ...state, nodes: selectOnly(state.nodes, action.id) };
    case 'undo':
      return canUndo(state.history) ? restore(state, undoHistory(state.history)) : state;
    case 'redo':
      return canRedo(state.history) ? restore(state, redoHistory(state.history)) : state;
  }
};
