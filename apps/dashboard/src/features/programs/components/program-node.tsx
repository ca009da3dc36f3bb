import type { TProgramNodeType } from '@companero/contracts/creator-hub/programs';
import { Handle, type NodeProps, type NodeTypes, Position } from '@xyflow/react';
import { type CSSProperties, memo, type ReactNode } from 'react';
import type { ProgramFlowNode } from '../program-flow-mapping';
import { fromFlowNode } from '../program-flow-mapping';
import {
  durationText,
  type ProgramStep,
  type StepOf,
  stepExits,
  stepKinds,
  stepSummary,
  stepTitle,
  triggerText,
} from '../program-steps';
import { useNodeDecorations } from './canvas-decorations';

const QuickReplies = ({ replies }: { replies: readonly string[] }) =>
  replies.length > 0 ? (
    <ul className="program-node__chips" aria-label="Quick replies">
      {replies.map((reply) => (
        <li key={reply} className="program-node__chip">
          {reply}
        </li>
      ))}
    </ul>
  ) : null;

const Text = ({ children, isEmpty }: { children: ReactNode; isEmpty?: boolean }) => (
  <p className={`program-node__text${isEmpty ? ' program-node__text--empty' : ''}`}>{children}</p>
);

/** The body of each kind of step: what it sends, waits for or checks. */
const stepBodies: {
  [Type in TProgramNodeType]: (props: {
    step: StepOf<Type>;
    programNames: ReadonlyMap<string, string>;
  }) => ReactNode;
} = {
  start: ({ step }) => (
    <ul className="program-node__lines">
      {step.data.triggers.length === 0 ? <li>No trigger yet</li> : null}
      {step.data.triggers.map((trigger, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: triggers have no id; the order is their identity
        <li key={index}>{triggerText(trigger)}</li>
      ))}
    </ul>
  ),
  message: ({ step }) => (
    <>
      <Text isEmpty={!step.data.text.trim()}>{step.data.text.trim() || 'No text yet'}</Text>
      <QuickReplies replies={step.data.quickReplies} />
    </>
  ),
  ask: ({ step }) => (
    <>
      <Text isEmpty={!step.data.text.trim()}>{step.data.text.trim() || 'No question yet'}</Text>
      <QuickReplies replies={step.data.quickReplies} />
      <p className="program-node__meta">
        Waits {durationText(step.data.timeout)}
        {step.data.saveAs ? ` · saves as {{answers.${step.data.saveAs}}}` : ''}
      </p>
    </>
  ),
  wait: ({ step }) => <Text>{stepSummary(step)[0]}</Text>,
  condition: ({ step }) => (
    <ul className="program-node__lines">
      {stepSummary(step).map((line, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rules have no id; the order is their identity
        <li key={index}>{line}</li>
      ))}
    </ul>
  ),
  ai_message: ({ step }) => (
    <>
      <Text isEmpty={!step.data.instruction.trim()}>
        {step.data.instruction.trim() || 'No instruction yet'}
      </Text>
      <p className="program-node__meta">
        {step.data.useKnowledge ? 'Uses your knowledge' : 'Without your knowledge'}
      </p>
    </>
  ),
  tag: ({ step }) => <Text isEmpty={step.data.tags.length === 0}>{stepSummary(step)[0]}</Text>,
  webhook: ({ step }) => <Text isEmpty={!step.data.url.trim()}>{stepSummary(step)[0]}</Text>,
  goto_program: ({ step, programNames }) => (
    <Text isEmpty={!step.data.programId}>{stepSummary(step, programNames)[0]}</Text>
  ),
  end: () => <Text>The program ends here</Text>,
};

const StepBody = ({
  step,
  programNames,
}: {
  step: ProgramStep;
  programNames: ReadonlyMap<string, string>;
}) => {
  const Body = stepBodies[step.type] as (props: {
    step: ProgramStep;
    programNames: ReadonlyMap<string, string>;
  }) => ReactNode;
  return <Body step={step} programNames={programNames} />;
};

const countFormat = new Intl.NumberFormat();

/**
 * One step on the canvas: its kind and name, what it does, its problems (outlined in red), its live counts once
 * published, where a test run passed, and one labelled exit handle per way out (`nodeHandles`).
 */
const ProgramNodeView = ({ id, data: step, selected }: NodeProps<ProgramFlowNode>) => {
  const { problems, counts, visits, programNames } = useNodeDecorations(id);
  const kind = stepKinds[step.type];
  const exits = stepExits(fromFlowNode({ id, data: step, position: { x: 0, y: 0 }, type: step.type }));
  const hasProblems = problems.length > 0;
  const className = [
    'program-node',
    `program-node--${step.type}`,
    hasProblems ? 'program-node--invalid' : '',
    visits ? 'program-node--visited' : '',
    selected ? 'program-node--selected' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className={className}
      style={{ '--step-accent': kind.accent } as CSSProperties}
      data-step-type={step.type}
    >
      {step.type !== 'start' ? (
        <Handle
          type="target"
          position={Position.Top}
          className="program-node__target"
          aria-label={`Into ${stepTitle(step)}`}
        />
      ) : null}
      <header className="program-node__header">
        <span className="program-node__kind">{kind.label}</span>
        {step.label?.trim() ? <span className="program-node__title">{step.label.trim()}</span> : null}
        {visits ? (
          <span className="program-node__visits" title="Where the test run passed">
            {visits.map((visit) => (
              <span key={visit.order} className="program-node__visit">
                <span className="program-node__visit-order">{visit.order}</span> {visit.time}
              </span>
            ))}
          </span>
        ) : null}
      </header>
      <div className="program-node__body">
        <StepBody step={step} programNames={programNames} />
      </div>
      {hasProblems ? (
        <ul className="program-node__problems" aria-label="Problems">
          {problems.slice(0, 3).map((problem) => (
            <li key={problem.message}>{problem.message}</li>
          ))}
          {problems.length > 3 ? <li>and {problems.length - 3} more (select the step)</li> : null}
        </ul>
      ) : null}
      {counts ? (
        <dl className="program-node__counts" aria-label="Members at this step (published version)">
          <div>
            <dt>Entered</dt>
            <dd>{countFormat.format(counts.entered)}</dd>
          </div>
          <div>
            <dt>Done</dt>
            <dd>{countFormat.format(counts.completed)}</dd>
          </div>
          <div>
            <dt>Dropped</dt>
            <dd>{countFormat.format(counts.dropped)}</dd>
          </div>
          <div>
            <dt>Waiting</dt>
            <dd>{countFormat.format(counts.waiting)}</dd>
          </div>
        </dl>
      ) : null}
      {exits.length > 0 ? (
        <div className="program-node__exits">
          {exits.map((exit) => (
            <div key={exit.handle} className="program-node__exit">
              <span className="program-node__exit-label">{exit.label}</span>
              <Handle
                type="source"
                position={Position.Bottom}
                id={exit.handle}
                className="program-node__source"
                aria-label={`Exit “${exit.label}” of ${stepTitle(step)}`}
                title={`Drag to connect “${exit.label}”`}
              />
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
};

const ProgramNode = memo(ProgramNodeView);

/** Every kind of step draws through the same frame; its body is chosen by type (`stepBodies`). */
export const programNodeTypes: NodeTypes = Object.fromEntries(
  (Object.keys(stepKinds) as TProgramNodeType[]).map((type) => [type, ProgramNode]),
);
