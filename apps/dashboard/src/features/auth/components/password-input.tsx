import { type InputHTMLAttributes, useState } from 'react';
import type { ControlProps } from '../../../ui/form-field';

/** A password input with a show/hide toggle that keeps its own accessible name and state. */
export const PasswordInput = (props: ControlProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) => {
  const [isVisible, setIsVisible] = useState(false);
  return (
    <div className="input-with-action">
      <input className="input" type={isVisible ? 'text' : 'password'} {...props} />
      <button
        type="button"
        className="input-with-action__button"
        aria-label="Show password"
        aria-pressed={isVisible}
        aria-controls={props.id}
        onClick={() => setIsVisible((value) => !value)}
      >
        {isVisible ? 'Hide' : 'Show'}
      </button>
    </div>
  );
};
