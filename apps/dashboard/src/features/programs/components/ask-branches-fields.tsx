import { programLimits, type TAskBranch } from '@companero/contracts/creator-hub/programs';
import { SelectField, TextField } from '../../../ui/form-field';
import type { StepFieldsProps } from './step-fields';
import { ListField, NumberField } from './synced-inputs';

type Match = TAskBranch['match'];

const matchLabels: Record<Match['kind'], string> = {
  choice: 'The quick reply',
  keyword: 'Contains a keyword',
  number: 'A number in a range',
  ai: 'Means (the coach decides)',
};

const emptyMatch = (kind: Match['kind'], label: string): Match => {
  switch (kind) {
    case 'choice':
      return { kind, value: label };
    case 'keyword':
      return { kind, keywords: label ? [label.toLowerCase()] : [] };
    case 'number':
      return { kind };
    case 'ai':
      return { kind, intent: '' };
  }
};

/**
 * A branch id is its exit handle: edges point at it, so it is made once from the label and kept when the label
 * changes. Never "other" or "timeout", which every ask node has.
 */
export const branchIdFor = (label: string, taken: ReadonlySet<string>): string => {
  const base =
    label
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'answer';
  let candidate = base;
  for (let index = 2; taken.has(candidate) || candidate === 'other' || candidate === 'timeout'; index += 1)
    candidate = `${base}-${index}`;
  return candidate;
};

export const AskBranchesFields = ({ step, errors, setData }: Omit<StepFieldsProps<'ask'>, 'programs'>) => {
  const branches = step.data.branches;
  const takenIds = new Set(branches.map((branch) => branch.id));
  const repliesWithoutBranch = step.data.quickReplies.filter(
    (reply) => !branches.some((branch) => branch.match.kind === 'choice' && branch.match.value === reply),
  );
  const setBranch = (index: number, field: string, update: (branch: TAskBranch) => TAskBranch) =>
    setData(`branches.${index}.${field}`, (data) => ({
      ...data,
      branches: data.branches.map((branch, at) => (at === index ? update(branch) : branch)),
    }));
  const errorOf = (index: number, path: string) => errors[`data.branches.${index}.${path}`] ?? null;

  return (
    <fieldset className="step-fieldset">
      <legend className="field__label">Branches</legend>
      <p className="field__hint">
        Each branch is an exit of this step. Answers that match none take “Any other answer”; no answer in
        time takes “No answer”.
      </p>
      {branches.length === 0 ? (
        <p className="muted">No branches: every answer takes “Any other answer”.</p>
      ) : null}
      <ol className="branch-list">
        {branches.map((branch, index) => (
          <li key={branch.id} className="branch-list__item">
            <div className="branch-list__row">
              <TextField
                label={`Branch ${index + 1} label`}
                maxLength={60}
                value={branch.label}
                error={errorOf(index, 'label')}
                onChange={(event) => {
                  const label = event.target.value;
                  setBranch(index, 'label', (current) => ({ ...current, label }));
                }}
              />
              <button
                type="button"
                className="button button--compact button--danger-outline branch-list__remove"
                onClick={() =>
                  setData('branches', (data) => ({
                    ...data,
                    branches: data.branches.filter((_branch, at) => at !== index),
                  }))
                }
              >
                Remove<span className="visually-hidden"> branch {branch.label || index + 1}</span>
              </button>
            </div>
            <SelectField
              label="Matches"
              value={branch.match.kind}
              onChange={(event) => {
                const kind = event.target.value as Match['kind'];
                setBranch(index, 'match', (current) => ({
                  ...current,
                  match: emptyMatch(kind, current.label),
                }));
              }}
            >
              {(Object.keys(matchLabels) as Match['kind'][]).map((kind) => (
                <option key={kind} value={kind}>
                  {matchLabels[kind]}
                </option>
              ))}
            </SelectField>
            {branch.match.kind === 'choice' ? (
              <TextField
                label="Quick reply"
                maxLength={40}
                value={branch.match.value}
                error={errorOf(index, 'match.value')}
                onChange={(event) => {
                  const value = event.target.value;
                  setBranch(index, 'match.value', (current) => ({
                    ...current,
                    match: { kind: 'choice', value },
                  }));
                }}
              />
            ) : null}
            {branch.match.kind === 'keyword' ? (
              <ListField
                label="Keywords"
                separator="comma"
                hint="Separated by commas; any one matches."
                value={branch.match.keywords}
                error={errorOf(index, 'match.keywords')}
                onChange={(keywords) =>
                  setBranch(index, 'match.keywords', (current) => ({
                    ...current,
                    match: { kind: 'keyword', keywords },
                  }))
                }
              />
            ) : null}
            {branch.match.kind === 'number' ? (
              <div className="step-fieldset--inline">
                <NumberField
                  label="From"
                  isOptional
                  value={branch.match.min}
                  error={errorOf(index, 'match.min')}
                  onChange={(min) =>
                    setBranch(index, 'match.min', (current) =>
                      current.match.kind === 'number'
                        ? { ...current, match: { ...current.match, min } }
                        : current,
                    )
                  }
                />
                <NumberField
                  label="To"
                  isOptional
                  value={branch.match.max}
                  error={errorOf(index, 'match.max')}
                  onChange={(max) =>
                    setBranch(index, 'match.max', (current) =>
                      current.match.kind === 'number'
                        ? { ...current, match: { ...current.match, max } }
                        : current,
                    )
                  }
                />
              </div>
            ) : null}
            {branch.match.kind === 'ai' ? (
              <TextField
                label="What the answer means"
                maxLength={200}
                placeholder="They feel tired or unmotivated"
                value={branch.match.intent}
                error={errorOf(index, 'match.intent')}
                onChange={(event) => {
                  const intent = event.target.value;
                  setBranch(index, 'match.intent', (current) => ({
                    ...current,
                    match: { kind: 'ai', intent },
                  }));
                }}
              />
            ) : null}
          </li>
        ))}
      </ol>
      <div className="card__actions card__actions--start">
        <button
          type="button"
          className="button button--compact"
          disabled={branches.length >= programLimits.maxBranches}
          onClick={() =>
            setData('branches', (data) => {
              const label = `Answer ${data.branches.length + 1}`;
              const id = branchIdFor(label, new Set(data.branches.map((branch) => branch.id)));
              return {
                ...data,
                branches: [...data.branches, { id, label, match: { kind: 'keyword', keywords: [] } }],
              };
            })
          }
        >
          Add a branch
        </button>
        {repliesWithoutBranch.length > 0 ? (
          <button
            type="button"
            className="button button--compact"
            disabled={branches.length + repliesWithoutBranch.length > programLimits.maxBranches}
            onClick={() =>
              setData('branches', (data) => {
                const taken = new Set(takenIds);
                const added = repliesWithoutBranch.map((reply) => {
                  const id = branchIdFor(reply, taken);
                  taken.add(id);
                  return { id, label: reply, match: { kind: 'choice' as const, value: reply } };
                });
                return { ...data, branches: [...data.branches, ...added] };
              })
            }
          >
            A branch for each quick reply
          </button>
        ) : null}
      </div>
    </fieldset>
  );
};
