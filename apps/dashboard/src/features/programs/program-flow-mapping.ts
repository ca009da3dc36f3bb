import type {
  TProgramEdge,
  TProgramGraph,
  TProgramNode,
  TProgramNodeType,
} from '@companero/contracts/creator-hub/programs';
import type { Connection, Edge, Node } from '@xyflow/react';
import { type ProgramStep, stepKinds, stepSummary, stepTitle } from './program-steps';

/**
 * The program graph (the contract's shape, what is saved) and React Flow's nodes and edges (what the canvas
 * draws) in both directions. React Flow keeps what the graph has no place for on its own objects — measured
 * sizes, selection, dragging — so a node is rebuilt from the graph only when its step changed, and keeps those.
 */

export type ProgramFlowNode = Node<ProgramStep, TProgramNodeType>;
export type ProgramFlowEdge = Edge;

const describeNode = (step: ProgramStep): string =>
  `${stepKinds[step.type].label} step “${stepTitle(step)}”: ${stepSummary(step).join('. ')}`;

export const toFlowNode = (node: TProgramNode, previous?: ProgramFlowNode): ProgramFlowNode => {
  const { id, position, ...step } = node;
  const flowNode: ProgramFlowNode = {
    ...(previous?.type === node.type ? previous : {}),
    id,
    type: node.type,
    position: { x: position.x, y: position.y },
    data: step as ProgramStep,
    ariaLabel: describeNode(step as ProgramStep),
  };
  // One start per program, made with it: the canvas does not delete it.
  if (node.type === 'start') flowNode.deletable = false;
  return flowNode;
};

export const toFlowEdge = (edge: TProgramEdge, previous?: ProgramFlowEdge): ProgramFlowEdge => ({
  ...previous,
  id: edge.id,
  source: edge.source,
  target: edge.target,
  sourceHandle: edge.sourceHandle ?? 'next',
  targetHandle: null,
});

/** The canvas for a graph; `previous` nodes and edges lend their measured sizes and selection. */
export const toFlow = (
  graph: TProgramGraph,
  previous: { nodes?: readonly ProgramFlowNode[]; edges?: readonly ProgramFlowEdge[] } = {},
): { nodes: ProgramFlowNode[]; edges: ProgramFlowEdge[] } => {
  const previousNodes = new Map(previous.nodes?.map((node) => [node.id, node]));
  const previousEdges = new Map(previous.edges?.map((edge) => [edge.id, edge]));
  return {
    nodes: graph.nodes.map((node) => toFlowNode(node, previousNodes.get(node.id))),
    edges: graph.edges.map((edge) => toFlowEdge(edge, previousEdges.get(edge.id))),
  };
};

export const fromFlowNode = (node: ProgramFlowNode): TProgramNode =>
  ({
    id: node.id,
    position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
    ...node.data,
  }) as TProgramNode;

export const fromFlowEdge = (edge: ProgramFlowEdge): TProgramEdge => ({
  id: edge.id,
  source: edge.source,
  target: edge.target,
  sourceHandle: edge.sourceHandle ?? 'next',
});

/** The graph the canvas shows, as saved: positions rounded to whole pixels, nothing of React Flow's own. */
export const fromFlow = (
  nodes: readonly ProgramFlowNode[],
  edges: readonly ProgramFlowEdge[],
): TProgramGraph => ({
  nodes: nodes.map(fromFlowNode),
  edges: edges.map(fromFlowEdge),
});

/** The id of the edge that leaves `source` by `handle`; stable, so re-connecting a handle keeps one edge. */
export const edgeIdFor = (source: string, handle: string | null | undefined) =>
  `${source}--${handle ?? 'next'}`.slice(0, 128);

/**
 * The edges after connecting one exit to a node: each exit leads to one place, so a new connection from an
 * exit replaces the one it had. Self-loops and connections into the start step are refused.
 */
export const connectExit = (
  edges: readonly ProgramFlowEdge[],
  connection: Pick<Connection, 'source' | 'sourceHandle' | 'target'>,
  startId: string | null,
): ProgramFlowEdge[] => {
  const handle = connection.sourceHandle ?? 'next';
  const remaining = edges.filter(
    (edge) => !(edge.source === connection.source && (edge.sourceHandle ?? 'next') === handle),
  );
  if (!connection.target || connection.target === connection.source || connection.target === startId)
    return remaining;
  return [
    ...remaining,
    toFlowEdge({
      id: edgeIdFor(connection.source, handle),
      source: connection.source,
      target: connection.target,
      sourceHandle: handle,
    }),
  ];
};

/** The same graph, compared as saved (key order included: both sides are built by this module). */
export const isSameGraph = (left: TProgramGraph, right: TProgramGraph): boolean =>
  left === right || JSON.stringify(left) === JSON.stringify(right);

/** A graph as the canvas would save it (key order, whole pixels), so comparing it with the canvas means something. */
export const normalizeGraph = (graph: TProgramGraph): TProgramGraph => {
  const flow = toFlow(graph);
  return fromFlow(flow.nodes, flow.edges);
};
