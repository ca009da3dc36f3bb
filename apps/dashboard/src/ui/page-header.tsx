import type { ReactNode } from 'react';

/** The page title is the focus target after each navigation (see the shell), hence tabIndex -1. */
export const PageHeader = ({
  title,
  description,
  actions,
  eyebrow,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  eyebrow?: ReactNode;
}) => (
  <header className="page-header">
    <div className="page-header__text">
      {eyebrow ? <div className="page-header__eyebrow">{eyebrow}</div> : null}
      <h1 className="page-header__title" tabIndex={-1}>
        {title}
      </h1>
      {description ? <p className="page-header__description">{description}</p> : null}
    </div>
    {actions ? <div className="page-header__actions">{actions}</div> : null}
  </header>
);
