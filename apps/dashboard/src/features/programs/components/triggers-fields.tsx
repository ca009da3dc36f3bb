import type { TProgramTrigger } from '@companero/contracts/creator-hub/programs';
import { SelectField, TextField } from '../../../ui/form-field';
import { WeekdaysField } from './schedule-fields';
import type { StepFieldsProps } from './step-fields';
import { ListField, NumberField } from './synced-inputs';

type TriggerType = TProgramTrigger['type'];

const triggerLabels: Record<TriggerType, string> = {
  manual: 'Enrolled by hand (dashboard or API)',
  member_joined: 'A member joins',
  tag_added: 'A tag is added',
  keyword: 'The member writes a keyword',
  inactivity: 'The member goes quiet',
  date: 'A date',
  schedule: 'A schedule',
};

const newTrigger = (type: TriggerType): TProgramTrigger => {
  switch (type) {
    case 'manual':
    case 'member_joined':
      return { type };
    case 'tag_added':
      return { type, tag: '' };
    case 'keyword':
      return { type, keywords: [] };
    case 'inactivity':
      return { type, days: 7 };
    case 'date':
      return { type, field: 'startDate', offsetDays: 0, time: '09:00' };
    case 'schedule':
      return { type, time: '08:00', weekdays: [0, 1, 2, 3, 4, 5, 6] };
  }
};

/** How members enter the program: the start step's triggers, any of which enrolls. */
export const TriggersFields = ({ step, errors, setData }: Omit<StepFieldsProps<'start'>, 'programs'>) => {
  const triggers = step.data.triggers;
  const setTrigger = (index: number, field: string, update: (trigger: TProgramTrigger) => TProgramTrigger) =>
    setData(`triggers.${index}.${field}`, (data) => ({
      ...data,
      triggers: data.triggers.map((trigger, at) => (at === index ? update(trigger) : trigger)),
    }));
  const errorOf = (index: number, path: string) => errors[`data.triggers.${index}.${path}`] ?? null;
  const usedTypes = new Set(triggers.map((trigger) => trigger.type));
  const nextType =
    (Object.keys(triggerLabels) as TriggerType[]).find((type) => !usedTypes.has(type)) ?? 'keyword';

  return (
    <fieldset className="step-fieldset">
      <legend className="field__label">Members enter when</legend>
      {triggers.length === 0 ? <p className="muted">No trigger: nobody can enter this program.</p> : null}
      <ol className="branch-list">
        {triggers.map((trigger, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: triggers have no id; their order is their identity
          <li key={index} className="branch-list__item">
            <SelectField
              label={`Trigger ${index + 1}`}
              value={trigger.type}
              onChange={(event) => {
                const type = event.target.value as TriggerType;
                setTrigger(index, 'type', () => newTrigger(type));
              }}
            >
              {(Object.keys(triggerLabels) as TriggerType[]).map((type) => (
                <option key={type} value={type}>
                  {triggerLabels[type]}
                </option>
              ))}
            </SelectField>
            {trigger.type === 'tag_added' ? (
              <TextField
                label="Tag"
                maxLength={64}
                value={trigger.tag}
                error={errorOf(index, 'tag')}
                onChange={(event) => {
                  const tag = event.target.value;
                  setTrigger(index, 'tag', () => ({ type: 'tag_added', tag }));
                }}
              />
            ) : null}
            {trigger.type === 'keyword' ? (
              <ListField
                label="Keywords"
                separator="comma"
                hint="Separated by commas; a message that is one of them enrolls."
                value={trigger.keywords}
                error={errorOf(index, 'keywords')}
                onChange={(keywords) => setTrigger(index, 'keywords', () => ({ type: 'keyword', keywords }))}
              />
            ) : null}
            {trigger.type === 'inactivity' ? (
              <NumberField
                label="Quiet for (days)"
                min={1}
                max={365}
                value={trigger.days}
                error={errorOf(index, 'days')}
                onChange={(days) =>
                  setTrigger(index, 'days', () => ({ type: 'inactivity', days: days ?? Number.NaN }))
                }
              />
            ) : null}
            {trigger.type === 'date' ? (
              <>
                <TextField
                  label="Member attribute holding the date"
                  maxLength={64}
                  value={trigger.field ?? ''}
                  hint="Such as startDate, imported with the members."
                  error={errorOf(index, 'field')}
                  onChange={(event) => {
                    const field = event.target.value;
                    setTrigger(index, 'field', (current) =>
                      current.type === 'date' ? { ...current, field } : current,
                    );
                  }}
                />
                <div className="step-fieldset--inline">
                  <NumberField
                    label="Days after"
                    min={-365}
                    max={365}
                    value={trigger.offsetDays}
                    error={errorOf(index, 'offsetDays')}
                    onChange={(offsetDays) =>
                      setTrigger(index, 'offsetDays', (current) =>
                        current.type === 'date' ? { ...current, offsetDays: offsetDays ?? 0 } : current,
                      )
                    }
                  />
                  <TextField
                    label="At"
                    type="time"
                    value={trigger.time}
                    error={errorOf(index, 'time')}
                    onChange={(event) => {
                      const time = event.target.value;
                      setTrigger(index, 'time', (current) =>
                        current.type === 'date' ? { ...current, time } : current,
                      );
                    }}
                  />
                </div>
              </>
            ) : null}
            {trigger.type === 'schedule' ? (
              <>
                <TextField
                  label="At"
                  type="time"
                  value={trigger.time}
                  hint="In each member’s time zone."
                  error={errorOf(index, 'time')}
                  onChange={(event) => {
                    const time = event.target.value;
                    setTrigger(index, 'time', (current) =>
                      current.type === 'schedule' ? { ...current, time } : current,
                    );
                  }}
                />
                <WeekdaysField
                  value={trigger.weekdays}
                  error={errorOf(index, 'weekdays')}
                  onChange={(weekdays) =>
                    setTrigger(index, 'weekdays', (current) =>
                      current.type === 'schedule'
                        ? { ...current, weekdays: weekdays ?? [0, 1, 2, 3, 4, 5, 6] }
                        : current,
                    )
                  }
                />
                <TextField
                  label="Only members tagged"
                  isOptional
                  maxLength={64}
                  value={trigger.tag ?? ''}
                  error={errorOf(index, 'tag')}
                  onChange={(event) => {
                    const tag = event.target.value.trim() || undefined;
                    setTrigger(index, 'tag', (current) =>
                      current.type === 'schedule' ? { ...current, tag } : current,
                    );
                  }}
                />
              </>
            ) : null}
            <button
              type="button"
              className="button button--compact button--danger-outline"
              onClick={() =>
                setData('triggers', (data) => ({
                  ...data,
                  triggers: data.triggers.filter((_trigger, at) => at !== index),
                }))
              }
            >
              Remove trigger {index + 1}
            </button>
          </li>
        ))}
      </ol>
      <div className="card__actions card__actions--start">
        <button
          type="button"
          className="button button--compact"
          disabled={triggers.length >= 10}
          onClick={() =>
            setData('triggers', (data) => ({ ...data, triggers: [...data.triggers, newTrigger(nextType)] }))
          }
        >
          Add a trigger
        </button>
      </div>
    </fieldset>
  );
};
