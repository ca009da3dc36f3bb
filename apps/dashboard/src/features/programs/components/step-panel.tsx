import type { TProgramNodeType } from '@companero/contracts/creator-hub/programs';
import { type ReactNode, type RefObject, useId } from 'react';
import { Icon } from '../../../ui/icons';
import { fromFlowNode, type ProgramFlowEdge, type ProgramFlowNode } from '../program-flow-mapping';
import type { ProgramProblems } from '../program-problems';
import { type ProgramStep, stepExits, stepKinds, stepTitle } from '../program-steps';
import { type StepFieldsProps, stepFields } from './step-fields';

export type StepUpdate = (step: ProgramStep) => ProgramStep;

/**
 * The selected step's settings: its name, the form of its kind with each field's problem under it, where each
 * exit leads (the keyboard's way to connect), and its other problems. Edits apply at once; undo takes them back.
 */
export const StepPanel = ({
  node,
  nodes,
  edges,
  problems,
  programs,
  headingRef,
  isReadOnly,
  onUpdate,
  onRemove,
  onConnectExit,
}: {
  node: ProgramFlowNode;
  nodes: readonly ProgramFlowNode[];
  edges: readonly ProgramFlowEdge[];
  problems: ProgramProblems;
  programs: { id: string; name: string }[];
  headingRef: RefObject<HTMLHeadingElement | null>;
  isReadOnly: boolean;
  onUpdate: (id: string, field: string, update: StepUpdate) => void;
  onRemove: (id: string) => void;
  onConnectExit: (source: string, handle: string, target: string | null) => void;
}) => {
  const id = useId();
  const step = node.data;
  const kind = stepKinds[step.type];
  const fieldErrors = problems.fieldsByNode.get(node.id) ?? {};
  const fieldMessages = new Set(Object.values(fieldErrors));
  const otherProblems = (problems.byNode.get(node.id) ?? []).filter(
    (problem) => !fieldMessages.has(problem.message),
  );
  const exits = stepExits(fromFlowNode(node));
  const targets = nodes.filter((candidate) => candidate.id !== node.id && candidate.type !== 'start');
  const Fields = stepFields[step.type] as (props: StepFieldsProps<TProgramNodeType>) => ReactNode;

  const setData: StepFieldsProps<TProgramNodeType>['setData'] = (field, update) =>
    onUpdate(node.id, `data.${field}`, (current) =>
      current.type === step.type
        ? ({ ...current, data: update(current.data as never) } as ProgramStep)
        : current,
    );

  return (
    <section className="step-panel" aria-labelledby={`${id}-title`}>
      <header className="step-panel__header" style={{ borderColor: kind.accent }}>
        <p className="step-panel__kind">{kind.label} step</p>
        <h2 id={`${id}-title`} className="step-panel__title" ref={headingRef} tabIndex={-1}>
          {stepTitle(step)}
        </h2>
        <p className="step-panel__description">{kind.description}</p>
      </header>
      {otherProblems.length > 0 ? (
        <ul className="step-panel__problems" aria-label="Problems with this step">
          {otherProblems.map((problem) => (
            <li key={problem.message}>
              {problem.message}
              {problem.isFromServer ? <span className="muted"> (from the server)</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <fieldset className="step-panel__form" disabled={isReadOnly}>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-label`}>
            Step name<span className="field__optional"> (optional)</span>
          </label>
          <input
            id={`${id}-label`}
            className="input"
            maxLength={80}
            value={step.label ?? ''}
            placeholder={kind.label}
            aria-describedby={`${id}-label-hint`}
            onChange={(event) => {
              const label = event.target.value || undefined;
              onUpdate(node.id, 'label', (current) => ({ ...current, label }));
            }}
          />
          <p className="field__hint" id={`${id}-label-hint`}>
            Shown on the canvas and in reports.
          </p>
        </div>
        <Fields step={step} errors={fieldErrors} setData={setData} programs={programs} />
        {exits.length > 0 ? (
          <fieldset className="step-fieldset">
            <legend className="field__label">Exits</legend>
            <p className="field__hint">
              Where each way out leads. You can also drag from an exit on the canvas.
            </p>
            {exits.map((exit) => {
              const edge = edges.find(
                (candidate) =>
                  candidate.source === node.id && (candidate.sourceHandle ?? 'next') === exit.handle,
              );
              return (
                <div className="field" key={exit.handle}>
                  <label className="field__label" htmlFor={`${id}-exit-${exit.handle}`}>
                    {exit.label} leads to
                  </label>
                  <select
                    id={`${id}-exit-${exit.handle}`}
                    className="input select"
                    value={edge?.target ?? ''}
                    onChange={(event) => onConnectExit(node.id, exit.handle, event.target.value || null)}
                  >
                    <option value="">Not connected</option>
                    {targets.map((target) => (
                      <option key={target.id} value={target.id}>
                        {stepKinds[target.data.type].label}: {stepTitle(target.data)}
                        {target.data.label ? '' : ` (${target.id})`}
                      </option>
                    ))}
                  </select>
                </div>
              );
            })}
          </fieldset>
        ) : null}
      </fieldset>
      {step.type !== 'start' && !isReadOnly ? (
        <div className="card__actions card__actions--start">
          <button type="button" className="button button--danger-outline" onClick={() => onRemove(node.id)}>
            <Icon name="trash" />
            Delete this step
          </button>
        </div>
      ) : null}
    </section>
  );
};
