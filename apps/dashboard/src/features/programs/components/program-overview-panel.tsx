import { type RefObject, useId } from 'react';
import type { ProgramFlowNode } from '../program-flow-mapping';
import type { ProgramProblems } from '../program-problems';
import { stepKinds, stepTitle } from '../program-steps';

/**
 * The side panel with no step selected: the program's name, how to build, and every problem in one list, each
 * a button that selects its step and brings it into view.
 */
export const ProgramOverviewPanel = ({
  name,
  onNameChange,
  isReadOnly,
  problems,
  nodes,
  nodeCount,
  onShowNode,
  headingRef,
}: {
  name: string;
  onNameChange: (name: string) => void;
  isReadOnly: boolean;
  problems: ProgramProblems;
  nodes: readonly ProgramFlowNode[];
  nodeCount: number;
  onShowNode: (nodeId: string) => void;
  headingRef?: RefObject<HTMLHeadingElement | null>;
}) => {
  const id = useId();
  const nodesById = new Map(nodes.map((node) => [node.id, node]));
  const isNameMissing = !name.trim();
  return (
    <section className="step-panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="step-panel__title" tabIndex={-1} ref={headingRef}>
        Program
      </h2>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-name`}>
          Program name
        </label>
        <input
          id={`${id}-name`}
          className="input"
          maxLength={120}
          value={name}
          readOnly={isReadOnly}
          aria-invalid={isNameMissing || undefined}
          aria-describedby={isNameMissing ? `${id}-name-error` : undefined}
          onChange={(event) => onNameChange(event.target.value)}
        />
        {isNameMissing ? (
          <p className="field__error" id={`${id}-name-error`}>
            Give the program a name.
          </p>
        ) : null}
      </div>
      {nodeCount <= 1 && !isReadOnly ? (
        <div className="notice notice--info">
          Drag steps from the list on the left onto the canvas, or press one to add it. Connect a step by
          dragging from one of its exits (the dots at its bottom) to the next step. Select a step to configure
          it here.
        </div>
      ) : (
        <p className="field__hint">Select a step on the canvas to configure it.</p>
      )}
      <h3 className="card__subtitle">Problems</h3>
      {problems.count === 0 ? (
        <p className="muted">None: the program is ready to publish.</p>
      ) : (
        <ul className="problem-list" aria-label="Problems to fix before publishing">
          {problems.general.map((problem) => (
            <li key={problem.message}>{problem.message}</li>
          ))}
          {[...problems.byNode].flatMap(([nodeId, list]) => {
            const node = nodesById.get(nodeId);
            return list.map((problem) => (
              <li key={`${nodeId}-${problem.message}`}>
                <button type="button" className="link-button" onClick={() => onShowNode(nodeId)}>
                  {node ? `${stepKinds[node.data.type].label}: ${stepTitle(node.data)}` : nodeId}
                </button>{' '}
                {problem.message}
              </li>
            ));
          })}
          {[...problems.byEdge].flatMap(([edgeId, list]) =>
            list.map((problem) => <li key={`${edgeId}-${problem.message}`}>{problem.message}</li>),
          )}
        </ul>
      )}
    </section>
  );
};
