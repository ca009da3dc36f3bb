import { type FormEvent, useEffect, useId, useState } from 'react';
import { addDays, formatDay } from '../../../lib/date-format';
import type { DateRange } from '../analytics.api';

export const rangePresets = [
  { id: '7d', label: '7 days', days: 7 },
  { id: '30d', label: '30 days', days: 30 },
  { id: '90d', label: '90 days', days: 90 },
  { id: '365d', label: '12 months', days: 365 },
] as const;
export type RangePresetId = (typeof rangePresets)[number]['id'] | 'custom';

export const presetRange = (preset: Exclude<RangePresetId, 'custom'>, today: string): DateRange => {
  const days = rangePresets.find((candidate) => candidate.id === preset)?.days ?? 30;
  return { from: addDays(today, -(days - 1)), to: today };
};

type Props = {
  preset: RangePresetId;
  range: DateRange;
  today: string;
  onChange: (next: { preset: RangePresetId; range: DateRange }) => void;
};

/** Quick ranges as a radio group, plus a custom from/to that applies on submit (so half-typed dates never query). */
export const DateRangePicker = ({ preset, range, today, onChange }: Props) => {
  const id = useId();
  // The choice shows at once; the range follows through the URL (a transition, so it may land a moment later).
  const [choice, setChoice] = useState<RangePresetId>(preset);
  const isCustom = choice === 'custom';
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setFrom(range.from);
    setTo(range.to);
  }, [range.from, range.to]);
  useEffect(() => setChoice(preset), [preset]);

  const applyCustom = (event: FormEvent) => {
    event.preventDefault();
    if (!from || !to) return setError('Choose both a start and an end day.');
    if (from > to) return setError('The start day must be on or before the end day.');
    if (to > today) return setError('The end day cannot be in the future.');
    setError(null);
    onChange({ preset: 'custom', range: { from, to } });
  };

  return (
    <div className="range-picker">
      <fieldset className="segmented">
        <legend className="visually-hidden">Date range</legend>
        {rangePresets.map((option) => (
          <label key={option.id} className="segmented__option">
            <input
              type="radio"
              name={`${id}-preset`}
              value={option.id}
              checked={choice === option.id}
              onChange={() => {
                setChoice(option.id);
                setError(null);
                onChange({ preset: option.id, range: presetRange(option.id, today) });
              }}
            />
            <span>{option.label}</span>
          </label>
        ))}
        <label className="segmented__option">
          <input
            type="radio"
            name={`${id}-preset`}
            value="custom"
            checked={isCustom}
            onChange={() => setChoice('custom')}
          />
          <span>Custom</span>
        </label>
      </fieldset>
      {isCustom ? (
        <form className="range-picker__custom" onSubmit={applyCustom} noValidate>
          <label>
            <span>From</span>
            <input
              className="input input--compact"
              type="date"
              value={from}
              max={today}
              onChange={(event) => setFrom(event.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
            />
          </label>
          <label>
            <span>To</span>
            <input
              className="input input--compact"
              type="date"
              value={to}
              max={today}
              onChange={(event) => setTo(event.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-error` : undefined}
            />
          </label>
          <button type="submit" className="button button--compact">
            Apply
          </button>
          {error ? (
            <p className="field__error" id={`${id}-error`} role="alert">
              {error}
            </p>
          ) : null}
        </form>
      ) : null}
      <p className="range-picker__summary" aria-live="polite">
        {formatDay(range.from)} – {formatDay(range.to)}
      </p>
    </div>
  );
};
