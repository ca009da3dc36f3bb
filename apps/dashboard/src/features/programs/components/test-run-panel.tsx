import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { TextAreaField, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { usePrefersReducedMotion } from '../../../ui/use-prefers-reduced-motion';
import { browserTimeZone } from '../../settings/settings.api';
import { fromFlowNode, type ProgramFlowNode } from '../program-flow-mapping';
import { stepExits, stepKinds, stepTitle } from '../program-steps';
import { type TSimulationResult, useSimulateProgram } from '../programs.api';
import type { Visit } from './canvas-decorations';

const endedText: Record<TSimulationResult['ended'], string> = {
  end: 'Reached an End step: the member finished the program.',
  goto_program: 'Moved the member into another program.',
  waiting_for_reply: 'Stopped waiting for a reply: add more replies to go further.',
  max_steps: 'Stopped after the step limit: look for a loop.',
  dead_end: 'Stopped at an exit that leads nowhere.',
};

const timeZones = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

const formatterFor = (timeZone: string) => {
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
  } catch {
    return new Intl.DateTimeFormat(undefined, {
      timeZone: 'UTC',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
  }
};

const splitTags = (text: string) =>
  text
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);

/** Where a test run passed, node by node, for the canvas; only the first `shown` steps while it plays. */
export const visitsOf = (
  result: TSimulationResult,
  timeZone: string,
  shown: number = result.path.length,
): Map<string, Visit[]> => {
  const format = formatterFor(timeZone);
  const visits = new Map<string, Visit[]>();
  result.path.slice(0, shown).forEach((step, index) => {
    const list = visits.get(step.nodeId) ?? [];
    list.push({
      order: index + 1,
      time: format.format(new Date(step.at)),
      outcome: step.outcome,
      via: step.via,
    });
    visits.set(step.nodeId, list);
  });
  return visits;
};

/**
 * A dry run of the draft for a sample member: who they are, what they answer; the server walks the program
 * with simulated time and nothing is sent. The path is drawn on the canvas in order, step by step.
 */
export const TestRunPanel = ({
  programId,
  nodes,
  prepare,
  onVisits,
  onShowNode,
}: {
  programId: string;
  nodes: readonly ProgramFlowNode[];
  /** Saves the draft first; resolves false (with the reason shown by the page) when it cannot. */
  prepare: () => Promise<boolean>;
  onVisits: (visits: Map<string, Visit[]> | null) => void;
  onShowNode: (nodeId: string) => void;
}) => {
  const id = useId();
  const simulate = useSimulateProgram(programId);
  const prefersReducedMotion = usePrefersReducedMotion();
  const [name, setName] = useState('Alex Sample');
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const [tags, setTags] = useState('');
  const [replies, setReplies] = useState('');
  const [startAt, setStartAt] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [shown, setShown] = useState(0);
  const resultRef = useRef<HTMLDivElement>(null);
  const result = simulate.data ?? null;
  const effectiveZone = timeZones.includes(timeZone) || timeZone === 'UTC' ? timeZone : 'UTC';

  // Plays the path onto the canvas one step at a time (all at once for reduced motion).
  useEffect(() => {
    if (!result) return;
    resultRef.current?.scrollIntoView({ block: 'start', behavior: prefersReducedMotion ? 'auto' : 'smooth' });
    if (prefersReducedMotion) {
      setShown(result.path.length);
      return;
    }
    setShown(0);
    const timer = setInterval(() => {
      setShown((current) => {
        if (current >= result.path.length) {
          clearInterval(timer);
          return current;
        }
        return current + 1;
      });
    }, 350);
    return () => clearInterval(timer);
  }, [result, prefersReducedMotion]);

  const visits = useMemo(
    () => (result ? visitsOf(result, effectiveZone, shown) : null),
    [result, effectiveZone, shown],
  );
  useEffect(() => {
    onVisits(visits);
  }, [visits, onVisits]);
  useEffect(() => () => onVisits(null), [onVisits]);

  const nodesById = new Map(nodes.map((node) => [node.id, node]));
  const format = formatterFor(effectiveZone);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    if (!timeZones.includes(timeZone) && timeZone !== 'UTC') {
      setProblem('Pick a time zone from the list, such as Europe/Madrid.');
      return;
    }
    if (!(await prepare())) return;
    simulate.mutate({
      member: {
        name: name.trim() || 'Alex Sample',
        timezone: timeZone,
        tags: splitTags(tags),
        attributes: {},
        channel: 'widget',
      },
      replies: replies
        .split('\n')
        .map((reply) => reply.trim())
        .filter(Boolean),
      ...(startAt ? { startAt: new Date(startAt).toISOString() } : {}),
    });
  };

  return (
    <section className="test-run" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="step-panel__title">
        Test run
      </h2>
      <p className="field__hint">
        Walks the saved draft for a sample member, with simulated time. Nothing is sent to anyone.
      </p>
      <form className="form test-run__form" onSubmit={onSubmit} noValidate>
        <TextField
          label="Member name"
          value={name}
          maxLength={120}
          onChange={(event) => setName(event.target.value)}
        />
        <TextField
          label="Time zone"
          value={timeZone}
          list={`${id}-zones`}
          spellCheck={false}
          autoCapitalize="none"
          error={problem}
          onChange={(event) => setTimeZone(event.target.value)}
        />
        <datalist id={`${id}-zones`}>
          {timeZones.map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <TextField
          label="Tags"
          isOptional
          value={tags}
          placeholder="vip, beginner"
          hint="Separated by commas."
          onChange={(event) => setTags(event.target.value)}
        />
        <TextAreaField
          label="Replies"
          isOptional
          rows={3}
          value={replies}
          placeholder={'Great\nThanks!'}
          hint="What the member answers to each question, one per line, in order."
          onChange={(event) => setReplies(event.target.value)}
        />
        <TextField
          label="Start at"
          isOptional
          type="datetime-local"
          value={startAt}
          hint="Your local time; now when empty."
          onChange={(event) => setStartAt(event.target.value)}
        />
        <FormError error={simulate.error} />
        <div className="card__actions card__actions--start">
          <button type="submit" className="button button--primary" disabled={simulate.isPending}>
            {simulate.isPending ? <Spinner /> : null}
            Run test
          </button>
          {result ? (
            <button
              type="button"
              className="button button--ghost"
              onClick={() => {
                simulate.reset();
                onVisits(null);
              }}
            >
              Clear
            </button>
          ) : null}
        </div>
      </form>
      {result ? (
        <div className="test-run__result" aria-live="polite" ref={resultRef}>
          <h3 className="card__subtitle">Path taken</h3>
          <ol className="test-run__path" aria-label="Steps of the test run, in order">
            {result.path.map((step, index) => {
              const node = nodesById.get(step.nodeId);
              const exit =
                node && step.via
                  ? stepExits(fromFlowNode(node)).find((candidate) => candidate.handle === step.via)
                  : null;
              return (
                <li
                  // biome-ignore lint/suspicious/noArrayIndexKey: a path visits a node more than once; the order is the key
                  key={index}
                  className={`test-run__step${index < shown ? ' test-run__step--shown' : ''}`}
                >
                  <span className="test-run__order">{index + 1}</span>
                  <span className="test-run__body">
                    <button type="button" className="link-button" onClick={() => onShowNode(step.nodeId)}>
                      {node ? `${stepKinds[node.data.type].label}: ${stepTitle(node.data)}` : step.nodeId}
                    </button>
                    <time className="test-run__time" dateTime={step.at}>
                      {format.format(new Date(step.at))}
                    </time>
                    <span className="test-run__detail">
                      {step.outcome}
                      {step.detail ? ` — ${step.detail}` : ''}
                      {exit ? ` → ${exit.label}` : ''}
                    </span>
                  </span>
                </li>
              );
            })}
          </ol>
          <p className="notice notice--info">{endedText[result.ended]}</p>
        </div>
      ) : null}
    </section>
  );
};
