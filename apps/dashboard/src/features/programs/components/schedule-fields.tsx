import type { TDuration } from '@companero/contracts/creator-hub/programs';
import type { ReactNode } from 'react';
import { SelectField } from '../../../ui/form-field';
import type { FieldErrors } from '../program-problems';
import { NumberField } from './synced-inputs';

const units: TDuration['unit'][] = ['minutes', 'hours', 'days'];

export const DurationFields = ({
  legend,
  value,
  errors,
  errorPrefix,
  onChange,
}: {
  legend: ReactNode;
  value: TDuration;
  errors: FieldErrors;
  errorPrefix: string;
  onChange: (value: TDuration) => void;
}) => (
  <fieldset className="step-fieldset step-fieldset--inline">
    <legend className="field__label">{legend}</legend>
    <NumberField
      label="Amount"
      min={1}
      max={10_000}
      value={value.amount}
      error={errors[`${errorPrefix}.amount`]}
      onChange={(amount) => onChange({ ...value, amount: amount ?? Number.NaN })}
    />
    <SelectField
      label="Unit"
      value={value.unit}
      onChange={(event) => onChange({ ...value, unit: event.target.value as TDuration['unit'] })}
    >
      {units.map((unit) => (
        <option key={unit} value={unit}>
          {unit}
        </option>
      ))}
    </SelectField>
  </fieldset>
);

const weekdayLabels = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const weekdayOrder = [1, 2, 3, 4, 5, 6, 0];

export const WeekdaysField = ({
  value,
  error,
  onChange,
}: {
  value: readonly number[] | undefined;
  error?: string | null;
  onChange: (value: number[] | undefined) => void;
}) => {
  const selected = new Set(value ?? [0, 1, 2, 3, 4, 5, 6]);
  return (
    <fieldset className="step-fieldset">
      <legend className="field__label">Days</legend>
      <div className="weekday-picker">
        {weekdayOrder.map((day) => (
          <label key={day} className="weekday-picker__day">
            <input
              type="checkbox"
              checked={selected.has(day)}
              onChange={(event) => {
                const next = new Set(selected);
                if (event.target.checked) next.add(day);
                else next.delete(day);
                onChange(next.size === 7 ? undefined : [...next].sort());
              }}
            />
            <span aria-hidden="true">{weekdayLabels[day]!.slice(0, 2)}</span>
            <span className="visually-hidden">{weekdayLabels[day]}</span>
          </label>
        ))}
      </div>
      {error ? <p className="field__error">{error}</p> : null}
    </fieldset>
  );
};
