import type { TConditionRule } from '@companero/contracts/creator-hub/programs';
import { SelectField, TextField } from '../../../ui/form-field';
import type { StepFieldsProps } from './step-fields';

const fieldLabels: Record<TConditionRule['field'], string> = {
  tag: 'Tags',
  attribute: 'An attribute',
  channel: 'Channel',
  timezone: 'Time zone',
  habit_streak: 'A habit streak',
  points: 'Points',
};

const operatorLabels: Record<TConditionRule['op'], string> = {
  has: 'include',
  not_has: 'do not include',
  eq: 'is',
  neq: 'is not',
  contains: 'contains',
  exists: 'is set',
  not_exists: 'is not set',
  gt: 'is more than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
};

/** Which operators make sense for each field; the contract accepts any, the engine reads these. */
const operatorsFor: Record<TConditionRule['field'], TConditionRule['op'][]> = {
  tag: ['has', 'not_has'],
  attribute: ['eq', 'neq', 'contains', 'exists', 'not_exists', 'gt', 'gte', 'lt', 'lte'],
  channel: ['eq', 'neq'],
  timezone: ['eq', 'neq', 'contains'],
  habit_streak: ['gt', 'gte', 'lt', 'lte', 'eq'],
  points: ['gt', 'gte', 'lt', 'lte', 'eq'],
};

const needsKey = (field: TConditionRule['field']) => field === 'attribute' || field === 'habit_streak';
const needsValue = (op: TConditionRule['op']) => op !== 'exists' && op !== 'not_exists';
const isNumeric = (field: TConditionRule['field'], op: TConditionRule['op']) =>
  field === 'habit_streak' || field === 'points' || ['gt', 'gte', 'lt', 'lte'].includes(op);

export const ConditionRulesFields = ({
  step,
  errors,
  setData,
}: Omit<StepFieldsProps<'condition'>, 'programs'>) => {
  const setRule = (index: number, field: string, update: (rule: TConditionRule) => TConditionRule) =>
    setData(`rules.${index}.${field}`, (data) => ({
      ...data,
      rules: data.rules.map((rule, at) => (at === index ? update(rule) : rule)),
    }));
  const errorOf = (index: number, path: string) => errors[`data.rules.${index}.${path}`] ?? null;
  return (
    <fieldset className="step-fieldset">
      <legend className="field__label">Rules</legend>
      {errors['data.rules'] ? <p className="field__error">{errors['data.rules']}</p> : null}
      <ol className="branch-list">
        {step.data.rules.map((rule, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rules have no id; their order is their identity
          <li key={index} className="branch-list__item">
            <SelectField
              label={`Rule ${index + 1}: the member’s`}
              value={rule.field}
              onChange={(event) => {
                const field = event.target.value as TConditionRule['field'];
                setRule(index, 'field', () => ({ field, op: operatorsFor[field][0]!, value: '' }));
              }}
            >
              {(Object.keys(fieldLabels) as TConditionRule['field'][]).map((field) => (
                <option key={field} value={field}>
                  {fieldLabels[field]}
                </option>
              ))}
            </SelectField>
            {needsKey(rule.field) ? (
              <TextField
                label={rule.field === 'attribute' ? 'Attribute name' : 'Habit name'}
                maxLength={64}
                value={rule.key ?? ''}
                error={errorOf(index, 'key')}
                onChange={(event) => {
                  const key = event.target.value;
                  setRule(index, 'key', (current) => ({ ...current, key }));
                }}
              />
            ) : null}
            <SelectField
              label="Operator"
              value={rule.op}
              onChange={(event) => {
                const op = event.target.value as TConditionRule['op'];
                setRule(index, 'op', (current) => ({ ...current, op }));
              }}
            >
              {operatorsFor[rule.field].map((op) => (
                <option key={op} value={op}>
                  {operatorLabels[op]}
                </option>
              ))}
            </SelectField>
            {needsValue(rule.op) ? (
              <TextField
                label="Value"
                maxLength={200}
                inputMode={isNumeric(rule.field, rule.op) ? 'decimal' : undefined}
                value={rule.value === undefined ? '' : String(rule.value)}
                error={errorOf(index, 'value')}
                onChange={(event) => {
                  const text = event.target.value;
                  const value =
                    isNumeric(rule.field, rule.op) && text.trim() !== '' && !Number.isNaN(Number(text))
                      ? Number(text)
                      : text;
                  setRule(index, 'value', (current) => ({ ...current, value }));
                }}
              />
            ) : null}
            <button
              type="button"
              className="button button--compact button--danger-outline"
              disabled={step.data.rules.length <= 1}
              onClick={() =>
                setData('rules', (data) => ({
                  ...data,
                  rules: data.rules.filter((_rule, at) => at !== index),
                }))
              }
            >
              Remove rule {index + 1}
            </button>
          </li>
        ))}
      </ol>
      <div className="card__actions card__actions--start">
        <button
          type="button"
          className="button button--compact"
          disabled={step.data.rules.length >= 20}
          onClick={() =>
            setData('rules', (data) => ({
              ...data,
              rules: [...data.rules, { field: 'tag', op: 'has', value: '' }],
            }))
          }
        >
          Add a rule
        </button>
      </div>
    </fieldset>
  );
};
