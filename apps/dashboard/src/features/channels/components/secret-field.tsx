import { type ReactNode, useState } from 'react';
import { Field } from '../../../ui/form-field';

/**
 * A credential the server stores encrypted and never returns: a password input (kept out of password
 * managers' autofill) with a show toggle for checking what was pasted before saving.
 */
export const SecretField = ({
  label,
  name,
  value,
  onChange,
  hint,
  error,
  disabled,
  placeholder,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | string[] | null;
  disabled?: boolean;
  placeholder?: string;
}) => {
  const [isVisible, setIsVisible] = useState(false);
  return (
    <Field label={label} hint={hint} error={error}>
      {(control) => (
        <div className="input-with-action">
          <input
            {...control}
            className="input"
            type={isVisible ? 'text' : 'password'}
            name={name}
            value={value}
            disabled={disabled}
            placeholder={placeholder}
            // A saved dashboard password must never be filled in here and sent to a provider as a token.
            autoComplete="off"
            data-1p-ignore="true"
            data-lpignore="true"
            autoCapitalize="none"
            spellCheck={false}
            onChange={(event) => onChange(event.target.value)}
          />
          <button
            type="button"
            className="input-with-action__button"
            aria-label={`Show ${label.toLowerCase()}`}
            aria-pressed={isVisible}
            aria-controls={control.id}
            disabled={disabled}
            onClick={() => setIsVisible((current) => !current)}
          >
            {isVisible ? 'Hide' : 'Show'}
          </button>
        </div>
      )}
    </Field>
  );
};
