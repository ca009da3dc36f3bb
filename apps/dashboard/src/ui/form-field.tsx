import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from 'react';

export type ControlProps = { id: string; 'aria-describedby'?: string; 'aria-invalid'?: true };

type FieldProps = {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | string[] | null;
  isOptional?: boolean;
  className?: string;
  children: (control: ControlProps) => ReactNode;
};

/** A label, the control, a hint and the field's errors, wired together for assistive technology. */
export const Field = ({ label, hint, error, isOptional, className, children }: FieldProps) => {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const errors = (Array.isArray(error) ? error : error ? [error] : []).filter(Boolean);
  const describedBy = [hint ? hintId : null, errors.length > 0 ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={['field', className].filter(Boolean).join(' ')}>
      <label className="field__label" htmlFor={id}>
        {label}
        {isOptional ? <span className="field__optional"> (optional)</span> : null}
      </label>
      {children({
        id,
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        ...(errors.length > 0 ? { 'aria-invalid': true as const } : {}),
      })}
      {hint ? (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {errors.length > 0 ? (
        <p className="field__error" id={errorId}>
          {errors.join(' ')}
        </p>
      ) : null}
    </div>
  );
};

type Common = { label: ReactNode; hint?: ReactNode; error?: string | string[] | null; isOptional?: boolean };

export const TextField = ({
  label,
  hint,
  error,
  isOptional,
  ...input
}: Common & InputHTMLAttributes<HTMLInputElement>) => (
  <Field label={label} hint={hint} error={error} isOptional={isOptional}>
    {(control) => <input className="input" {...input} {...control} />}
  </Field>
);

export const SelectField = ({
  label,
  hint,
  error,
  isOptional,
  children,
  ...select
}: Common & SelectHTMLAttributes<HTMLSelectElement>) => (
  <Field label={label} hint={hint} error={error} isOptional={isOptional}>
    {(control) => (
      <select className="input select" {...select} {...control}>
        {children}
      </select>
    )}
  </Field>
);

export const TextAreaField = ({
  label,
  hint,
  error,
  isOptional,
  ...textarea
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) => (
  <Field label={label} hint={hint} error={error} isOptional={isOptional}>
    {(control) => <textarea className="input textarea" {...textarea} {...control} />}
  </Field>
);
