import { type InputHTMLAttributes, type ReactNode, useEffect, useRef, useState } from 'react';
import { Field } from '../../../ui/form-field';

/**
 * Text that stands for a parsed value (a list, a number): the person's text is kept while they type ("Great,"
 * mid-word), and replaced only when the value changes from elsewhere (undo, another control).
 */
const useSyncedText = <T,>(value: T, format: (value: T) => string, parse: (text: string) => T) => {
  const [text, setText] = useState(() => format(value));
  const lastParsed = useRef(format(value));
  const formatted = format(value);
  useEffect(() => {
    if (formatted !== lastParsed.current) {
      lastParsed.current = formatted;
      setText(formatted);
    }
  }, [formatted]);
  return {
    text,
    setText: (next: string) => {
      setText(next);
      lastParsed.current = format(parse(next));
    },
  };
};

const splitList = (text: string, separator: 'line' | 'comma') =>
  text
    .split(separator === 'line' ? /\n/ : /[,\n]/)
    .map((item) => item.trim())
    .filter(Boolean);

/** A list edited as text: one item per line, or separated by commas. */
export const ListField = ({
  label,
  hint,
  error,
  value,
  onChange,
  separator,
  placeholder,
  isOptional,
  name,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  value: readonly string[];
  onChange: (value: string[]) => void;
  separator: 'line' | 'comma';
  placeholder?: string;
  isOptional?: boolean;
  name?: string;
}) => {
  const format = (items: readonly string[]) => items.join(separator === 'line' ? '\n' : ', ');
  const parse = (text: string) => splitList(text, separator);
  const { text, setText } = useSyncedText(value, format, parse);
  const onText = (next: string) => {
    setText(next);
    onChange(parse(next));
  };
  return (
    <Field label={label} hint={hint} error={error} isOptional={isOptional}>
      {(control) =>
        separator === 'line' ? (
          <textarea
            {...control}
            className="input textarea textarea--short"
            rows={3}
            name={name}
            value={text}
            placeholder={placeholder}
            onChange={(event) => onText(event.target.value)}
          />
        ) : (
          <input
            {...control}
            className="input"
            name={name}
            value={text}
            placeholder={placeholder}
            onChange={(event) => onText(event.target.value)}
          />
        )
      }
    </Field>
  );
};

/** A whole number; while the box is empty or half-typed, the step holds NaN and says so. */
export const NumberField = ({
  label,
  hint,
  error,
  value,
  onChange,
  isOptional,
  ...input
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  isOptional?: boolean;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) => {
  const format = (number: number | undefined) =>
    number === undefined || Number.isNaN(number) ? '' : String(number);
  const parse = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const { text, setText } = useSyncedText(value, format, parse);
  return (
    <Field label={label} hint={hint} error={error} isOptional={isOptional}>
      {(control) => (
        <input
          {...input}
          {...control}
          className="input"
          type="number"
          inputMode="numeric"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            onChange(parse(event.target.value));
          }}
        />
      )}
    </Field>
  );
};
