import type { TProgramNodeType } from '@companero/contracts/creator-hub/programs';
import {
  Background,
  BackgroundVariant,
  type Connection,
  ConnectionLineType,
  Controls,
  type DefaultEdgeOptions,
  type EdgeChange,
  MarkerType,
  type NodeChange,
  ReactFlow,
  useReactFlow,
  type XYPosition,
} from '@xyflow/react';
import { type DragEvent, type RefObject, useCallback, useMemo } from 'react';
import type { ProgramFlowEdge, ProgramFlowNode } from '../program-flow-mapping';
import { stepKinds } from '../program-steps';
import { useCanvasDecorations } from './canvas-decorations';
import { programNodeTypes } from './program-node';
import { stepDragType } from './step-palette';

const defaultEdgeOptions: DefaultEdgeOptions = {
  type: 'smoothstep',
  markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
};

const ariaLabelConfig = {
  'node.a11yDescription.default':
    'Press Enter or Space to select this step and configure it in the side panel; press Delete to remove it.',
  'node.a11yDescription.keyboardDisabled':
    'Press Enter or Space to select this step, then move it with the arrow keys. Press Delete to remove it.',
  'edge.a11yDescription.default': 'Press Enter or Space to select this connection, then Delete to remove it.',
  'controls.ariaLabel': 'Canvas controls',
  'controls.zoomIn.ariaLabel': 'Zoom in',
  'controls.zoomOut.ariaLabel': 'Zoom out',
  'controls.fitView.ariaLabel': 'Fit the program in view',
  'controls.interactive.ariaLabel': 'Lock or unlock the canvas',
};

const deleteKeys = ['Backspace', 'Delete'];

/** React Flow with the program's nodes, the palette's drops and the decorations of edges. */
export const ProgramCanvas = ({
  nodes,
  edges,
  containerRef,
  isReadOnly,
  onNodesChange,
  onEdgesChange,
  onConnect,
  onDeleted,
  onDropStep,
}: {
  nodes: ProgramFlowNode[];
  edges: ProgramFlowEdge[];
  containerRef: RefObject<HTMLDivElement | null>;
  isReadOnly: boolean;
  onNodesChange: (changes: NodeChange<ProgramFlowNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<ProgramFlowEdge>[]) => void;
  onConnect: (connection: Connection) => void;
  onDeleted: () => void;
  onDropStep: (type: TProgramNodeType, position: XYPosition) => void;
}) => {
  const { screenToFlowPosition } = useReactFlow();
  const { problems, visits } = useCanvasDecorations();

  const visitedEdges = useMemo(() => {
    if (!visits) return null;
    const taken = new Set<string>();
    for (const edge of edges) {
      const from = visits.get(edge.source);
      const to = visits.get(edge.target);
      if (!from || !to) continue;
      // Taken when the run left the source by this exit and reached the target.
      if (from.some((visit) => visit.via === (edge.sourceHandle ?? 'next'))) taken.add(edge.id);
    }
    return taken;
  }, [visits, edges]);

  const decoratedEdges = useMemo(
    () =>
      edges.map((edge) => {
        const isInvalid = Boolean(problems?.byEdge.get(edge.id)?.length);
        const isVisited = visitedEdges?.has(edge.id) ?? false;
        if (!isInvalid && !isVisited) return edge;
        return {
          ...edge,
          className: [isInvalid ? 'program-edge--invalid' : '', isVisited ? 'program-edge--visited' : '']
            .filter(Boolean)
            .join(' '),
          animated: isVisited,
        };
      }),
    [edges, problems, visitedEdges],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(stepDragType)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(stepDragType) as TProgramNodeType;
      if (!type || !(type in stepKinds)) return;
      event.preventDefault();
      const point = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      // The pointer holds the step by its top middle, where a new node's header is.
      onDropStep(type, { x: point.x - 120, y: point.y - 20 });
    },
    [screenToFlowPosition, onDropStep],
  );

  return (
    <div className="program-canvas" ref={containerRef}>
      <ReactFlow<ProgramFlowNode, ProgramFlowEdge>
        nodes={nodes}
        edges={decoratedEdges}
        nodeTypes={programNodeTypes}
        defaultEdgeOptions={defaultEdgeOptions}
        connectionLineType={ConnectionLineType.SmoothStep}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onDelete={onDeleted}
        onDragOver={isReadOnly ? undefined : onDragOver}
        onDrop={isReadOnly ? undefined : onDrop}
        isValidConnection={(connection) => connection.source !== connection.target}
        deleteKeyCode={isReadOnly ? null : deleteKeys}
        nodesConnectable={!isReadOnly}
        nodesDraggable={!isReadOnly}
        ariaLabelConfig={ariaLabelConfig}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.2}
        maxZoom={1.5}
        snapToGrid
        snapGrid={[10, 10]}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
};
