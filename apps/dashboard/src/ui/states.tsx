import type { ReactNode } from 'react';
import { errorMessage } from '../api/api-error';
import { Icon, type IconName } from './icons';

export const Spinner = () => <span className="spinner" aria-hidden="true" />;

export const LoadingState = ({ label = 'Loading…' }: { label?: string }) => (
  <div className="state state--loading" role="status">
    <Spinner />
    <span>{label}</span>
  </div>
);

export const ErrorState = ({
  error,
  title = 'This could not be loaded',
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) => (
  <div className="state state--error" role="alert">
    <h2 className="state__title">{title}</h2>
    <p>{errorMessage(error)}</p>
    {onRetry ? (
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    ) : null}
  </div>
);

export const EmptyState = ({
  title,
  children,
  action,
  icon = 'analytics',
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  icon?: IconName;
}) => (
  <div className="state state--empty">
    <span className="state__icon">
      <Icon name={icon} size={22} />
    </span>
    <h2 className="state__title">{title}</h2>
    {children ? <div className="state__body">{children}</div> : null}
    {action ? <div className="state__action">{action}</div> : null}
  </div>
);

/** A form-level failure: announced at once, kept next to the form. */
export const FormError = ({ error }: { error: unknown }) =>
  error ? (
    <div className="form-error" role="alert">
      {errorMessage(error)}
    </div>
  ) : null;
