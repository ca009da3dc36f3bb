import '@xyflow/react/dist/style.css';
import '../programs.css';
import type { TProgramNodeType } from '@companero/contracts/creator-hub/programs';
import {
  type Connection,
  type EdgeChange,
  type NodeChange,
  ReactFlowProvider,
  useReactFlow,
  type XYPosition,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, errorMessage } from '../../../api/api-error';
import { Icon } from '../../../ui/icons';
import { ErrorState, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import {
  type CanvasDecorations,
  CanvasDecorationsProvider,
  type Visit,
} from '../components/canvas-decorations';
import { EnrollMembersDialog } from '../components/enroll-members-dialog';
import { ProgramCanvas } from '../components/program-canvas';
import { ProgramOverviewPanel } from '../components/program-overview-panel';
import { SaveStatus } from '../components/save-status';
import { StepPalette } from '../components/step-palette';
import { StepPanel, type StepUpdate } from '../components/step-panel';
import { TestRunPanel } from '../components/test-run-panel';
import { canRedo, canUndo } from '../graph-history';
import { createEditorState, editorReducer } from '../program-editor.reducer';
import { isSameGraph, type ProgramFlowEdge, type ProgramFlowNode } from '../program-flow-mapping';
import { checkProgram } from '../program-problems';
import { newNodeId } from '../program-steps';
import {
  programErrorsOf,
  type TProgram,
  type TProgramGraph,
  type TProgramValidationError,
  useProgram,
  useProgramFunnel,
  usePrograms,
  usePublishProgram,
  useValidateProgram,
} from '../programs.api';
import { useProgramAutosave } from '../use-program-autosave';

const now = () => Date.now();

const isTextEntry = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

type ServerErrors = { graph: TProgramGraph; errors: TProgramValidationError[] };

const ProgramBuilder = ({ program }: { program: TProgram }) => {
  const { role } = useClaims();
  const canEdit = useCan('editPrograms');
  const isReadOnly = !canEdit;
  const notify = useToast();
  const { screenToFlowPosition, fitView } = useReactFlow();
  const [state, dispatch] = useReducer(editorReducer, program.graph, createEditorState);
  const [initialGraph] = useState(() => state.history.present);
  const [name, setName] = useState(program.name);
  const graph = state.history.present;
  const draft = useMemo(() => ({ name, graph }), [name, graph]);
  const autosave = useProgramAutosave({ program, initialGraph, draft });
  const [isResolving, setIsResolving] = useState(false);
  const [serverErrors, setServerErrors] = useState<ServerErrors | null>(null);
  const [panel, setPanel] = useState<'step' | 'test'>('step');
  const [visits, setVisits] = useState<Map<string, Visit[]> | null>(null);
  const [isEnrollOpen, setIsEnrollOpen] = useState(false);
  const [published, setPublished] = useState(() => ({
    version: program.latestVersion,
    graph: program.latestVersion !== null && !program.hasUnpublishedChanges ? initialGraph : null,
  }));
  const canvasRef = useRef<HTMLDivElement>(null);
  const panelHeadingRef = useRef<HTMLHeadingElement>(null);
  const addedCount = useRef(0);
  useDocumentTitle(name.trim() || 'Program');

  const problems = useMemo(
    () => checkProgram(graph, serverErrors && serverErrors.graph === graph ? serverErrors.errors : []),
    [graph, serverErrors],
  );
  const hasUnpublishedChanges = useMemo(
    () => published.version !== null && (published.graph === null || !isSameGraph(published.graph, graph)),
    [published, graph],
  );

  const programs = usePrograms();
  const otherPrograms = useMemo(
    () =>
      (programs.data?.items ?? [])
        .filter((candidate) => candidate.id !== program.id)
        .map((candidate) => ({ id: candidate.id, name: candidate.name })),
    [programs.data, program.id],
  );
  const funnel = useProgramFunnel(program.id, published.version !== null);
  const decorations = useMemo<CanvasDecorations>(
    () => ({
      problems,
      visits,
      funnel:
        funnel.data && funnel.data.version !== null
          ? new Map(funnel.data.nodes.map((counts) => [counts.nodeId, counts]))
          : null,
      programNames: new Map(otherPrograms.map((candidate) => [candidate.id, candidate.name])),
    }),
    [problems, visits, funnel.data, otherPrograms],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<ProgramFlowNode>[]) => dispatch({ type: 'nodesChanged', changes, at: now() }),
    [],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<ProgramFlowEdge>[]) => dispatch({ type: 'edgesChanged', changes }),
    [],
  );
  const onConnect = useCallback(
    (connection: Connection) => dispatch({ type: 'connected', connection, at: now() }),
    [],
  );
  /** After a deletion, focus that was on a removed step goes to the side panel's heading, not to the page. */
  const focusPanelIfLost = useCallback(
    () =>
      requestAnimationFrame(() => {
        if (!document.activeElement || document.activeElement === document.body)
          panelHeadingRef.current?.focus();
      }),
    [],
  );
  const onDeleted = useCallback(() => {
    dispatch({ type: 'deleted', at: now() });
    focusPanelIfLost();
  }, [focusPanelIfLost]);
  const focusPanel = () => requestAnimationFrame(() => panelHeadingRef.current?.focus());
  const nodeIds = useMemo(() => new Set(state.nodes.map((node) => node.id)), [state.nodes]);
  const onDropStep = useCallback(
    (type: TProgramNodeType, position: XYPosition) => {
      dispatch({ type: 'nodeAdded', id: newNodeId(type, nodeIds), nodeType: type, position, at: now() });
      setPanel('step');
    },
    [nodeIds],
  );
  /** A palette press adds the step in the middle of the view, a little apart from the last one added. */
  const onAddFromPalette = (type: TProgramNodeType) => {
    const box = canvasRef.current?.getBoundingClientRect();
    const center = box
      ? screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 })
      : { x: 0, y: 0 };
    const offset = (addedCount.current++ % 6) * 30;
    onDropStep(type, { x: Math.round(center.x - 120 + offset), y: Math.round(center.y - 40 + offset) });
    focusPanel();
  };

  const showNode = useCallback(
    (nodeId: string) => {
      dispatch({ type: 'selected', id: nodeId });
      setPanel('step');
      void fitView({ nodes: [{ id: nodeId }], duration: 300, maxZoom: 1 });
    },
    [fitView],
  );

  const onUpdate = (id: string, field: string, update: StepUpdate) =>
    dispatch({ type: 'stepUpdated', id, update, coalesceKey: `${id}:${field}`, at: now() });
  const onConnectExit = (source: string, handle: string, target: string | null) =>
    dispatch({
      type: 'connected',
      connection: { source, sourceHandle: handle, target: target ?? '' },
      at: now(),
    });
  const onRemove = (ids: string[]) => {
    dispatch({ type: 'nodesRemoved', ids, at: now() });
    focusPanelIfLost();
  };

  // Ctrl+Z / Ctrl+Shift+Z (⌘ on a Mac), except in text fields, whose own undo wins.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || isTextEntry(event.target) || isReadOnly) return;
      const key = event.key.toLowerCase();
      if (key === 'z' && !event.shiftKey) dispatch({ type: 'undo' });
      else if ((key === 'z' && event.shiftKey) || key === 'y') dispatch({ type: 'redo' });
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [isReadOnly]);

  const resolveConflict = async (choice: 'reload' | 'keep') => {
    setIsResolving(true);
    try {
      if (choice === 'reload') {
        const latest = await autosave.reloadTheirs();
        dispatch({ type: 'replaced', graph: latest.graph, at: now() });
        setName(latest.name);
        notify('Showing the version saved elsewhere. Undo brings yours back.', 'info');
      } else {
        await autosave.keepMine();
      }
    } catch (error) {
      notify(errorMessage(error), 'error');
    } finally {
      setIsResolving(false);
    }
  };

  /** Saves what waits, or says why it cannot: a test run and publishing use the saved draft. */
  const prepare = async (purpose: string): Promise<boolean> => {
    if (problems.blocksSaving || autosave.status.kind === 'invalid') {
      notify(`Fix the steps outlined in red before ${purpose}.`, 'error');
      return false;
    }
    if (autosave.status.kind === 'conflict') {
      notify(`This program was changed elsewhere: reload it or keep yours before ${purpose}.`, 'error');
      return false;
    }
    if (!(await autosave.flush())) {
      notify(`The draft could not be saved, so ${purpose} has to wait. Try again in a moment.`, 'error');
      return false;
    }
    return true;
  };

  const validate = useValidateProgram(program.id);
  const publish = usePublishProgram(program.id);
  const isPublishing = validate.isPending || publish.isPending;
  const onPublish = async () => {
    if (problems.count > 0) {
      notify(
        `Fix ${problems.count === 1 ? 'the problem' : `the ${problems.count} problems`} outlined in red before publishing.`,
        'error',
      );
      return;
    }
    if (!(await prepare('publishing'))) return;
    const checked = graph;
    const showServerErrors = (errors: TProgramValidationError[]) => {
      setServerErrors({ graph: checked, errors });
      notify(
        `Not published: ${errors.length === 1 ? 'one problem' : `${errors.length} problems`}, shown on the steps.`,
        'error',
      );
    };
    try {
      const validation = await validate.mutateAsync();
      if (!validation.valid) return showServerErrors(validation.errors);
      const result = await publish.mutateAsync();
      setServerErrors(null);
      setPublished({ version: result.version, graph: checked });
      notify(`Version ${result.version} published. New enrollments start on it.`);
    } catch (error) {
      const errors = programErrorsOf(error);
      if (errors.length > 0) showServerErrors(errors);
      else notify(errorMessage(error), 'error');
    }
  };

  const selected = state.nodes.filter((node) => node.selected);
  const selectedNode = selected.length === 1 ? selected[0]! : null;
  const statusLabel =
    published.version === null
      ? 'Draft'
      : hasUnpublishedChanges
        ? `Published v${published.version} · unpublished changes`
        : `Published v${published.version}`;

  return (
    <div className="program-builder">
      <header className="program-builder__header">
        <div className="program-builder__heading">
          <Link to="/programs" className="back-link">
            <Icon name="arrowLeft" size={16} />
            Programs
          </Link>
          <div className="program-builder__title-row">
            <h1 className="page-header__title program-builder__title" tabIndex={-1}>
              {name.trim() || 'Untitled program'}
            </h1>
            <span
              className={`badge ${published.version === null ? '' : 'badge--role'}`}
              data-testid="program-status"
            >
              {statusLabel}
            </span>
          </div>
        </div>
        <div className="program-builder__toolbar">
          {!isReadOnly ? (
            <>
              <button
                type="button"
                className="button button--compact"
                onClick={() => dispatch({ type: 'undo' })}
                disabled={!canUndo(state.history)}
                aria-keyshortcuts="Control+Z Meta+Z"
              >
                Undo
              </button>
              <button
                type="button"
                className="button button--compact"
                onClick={() => dispatch({ type: 'redo' })}
                disabled={!canRedo(state.history)}
                aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z Control+Y"
              >
                Redo
              </button>
              <SaveStatus
                status={autosave.status}
                isResolving={isResolving}
                onReload={() => void resolveConflict('reload')}
                onKeepMine={() => void resolveConflict('keep')}
              />
            </>
          ) : (
            <span className="muted">{permissionHint('editPrograms', role)}</span>
          )}
          <button
            type="button"
            className="button button--compact"
            aria-pressed={panel === 'test'}
            onClick={() => setPanel((current) => (current === 'test' ? 'step' : 'test'))}
          >
            Test run
          </button>
          <button
            type="button"
            className="button button--compact"
            disabled={published.version === null || isReadOnly}
            title={published.version === null ? 'Publish the program first' : undefined}
            onClick={() => setIsEnrollOpen(true)}
          >
            Enroll members
          </button>
          {!isReadOnly ? (
            <button
              type="button"
              className="button button--compact button--primary"
              onClick={() => void onPublish()}
              disabled={isPublishing}
            >
              {isPublishing ? <Spinner /> : null}
              Publish
            </button>
          ) : null}
        </div>
      </header>
      <div className="program-builder__body">
        <StepPalette onAdd={onAddFromPalette} isDisabled={isReadOnly} />
        <CanvasDecorationsProvider value={decorations}>
          <ProgramCanvas
            nodes={state.nodes}
            edges={state.edges}
            containerRef={canvasRef}
            isReadOnly={isReadOnly}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onDeleted={onDeleted}
            onDropStep={onDropStep}
          />
        </CanvasDecorationsProvider>
        <aside className="program-builder__panel" aria-label="Step settings and test run">
          {panel === 'test' ? (
            <TestRunPanel
              programId={program.id}
              nodes={state.nodes}
              prepare={() => prepare('a test run')}
              onVisits={setVisits}
              onShowNode={showNode}
            />
          ) : selectedNode ? (
            <StepPanel
              key={selectedNode.id}
              node={selectedNode}
              nodes={state.nodes}
              edges={state.edges}
              problems={problems}
              programs={otherPrograms}
              headingRef={panelHeadingRef}
              isReadOnly={isReadOnly}
              onUpdate={onUpdate}
              onRemove={(id) => onRemove([id])}
              onConnectExit={onConnectExit}
            />
          ) : selected.length > 1 ? (
            <section className="step-panel">
              <h2 className="step-panel__title" ref={panelHeadingRef} tabIndex={-1}>
                {selected.length} steps selected
              </h2>
              {!isReadOnly ? (
                <button
                  type="button"
                  className="button button--danger-outline"
                  onClick={() => onRemove(selected.map((node) => node.id))}
                >
                  <Icon name="trash" />
                  Delete {selected.filter((node) => node.type !== 'start').length} steps
                </button>
              ) : null}
            </section>
          ) : (
            <ProgramOverviewPanel
              name={name}
              onNameChange={setName}
              isReadOnly={isReadOnly}
              problems={problems}
              nodes={state.nodes}
              onShowNode={showNode}
              nodeCount={state.nodes.length}
              headingRef={panelHeadingRef}
            />
          )}
        </aside>
      </div>
      <EnrollMembersDialog
        programId={program.id}
        programName={name.trim() || program.name}
        isOpen={isEnrollOpen}
        onClose={() => setIsEnrollOpen(false)}
      />
    </div>
  );
};

/** `/programs/:programId`: the visual builder of one program. */
const ProgramBuilderPage = () => {
  const { programId = '' } = useParams();
  const program = useProgram(programId);
  // A copy cached from an earlier visit may hold an old revision: the builder starts from this visit's answer.
  const [openedAt] = useState(Date.now);
  const isFresh = program.data !== undefined && program.dataUpdatedAt >= openedAt;
  if (program.isPending || (!isFresh && program.isFetching))
    return <LoadingState label="Loading the program…" />;
  if (program.isError) {
    const isMissing =
      program.error instanceof ApiError && (program.error.isNotFound || program.error.status === 400);
    return (
      <div className="page">
        <Link to="/programs" className="back-link">
          <Icon name="arrowLeft" size={16} />
          Programs
        </Link>
        <ErrorState
          error={program.error}
          title={isMissing ? 'This program does not exist' : 'The program could not be loaded'}
          onRetry={isMissing ? undefined : () => program.refetch()}
        />
      </div>
    );
  }
  if (!program.data) return <LoadingState label="Loading the program…" />;
  return (
    <ReactFlowProvider key={program.data.id}>
      <ProgramBuilder program={program.data} />
    </ReactFlowProvider>
  );
};

export default ProgramBuilderPage;
