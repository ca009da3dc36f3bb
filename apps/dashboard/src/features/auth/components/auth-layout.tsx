import type { ReactNode } from 'react';
import { BrandMark } from '../../shell/components/brand-mark';

/** The frame of the signed-out pages: the brand on one side, one focused form on the other. */
export const AuthLayout = ({
  title,
  subtitle,
  children,
  footer,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) => (
  <div className="auth">
    <aside className="auth__brand" aria-hidden="true">
      <BrandMark />
      <p className="auth__pitch">Your coaching, on every channel your members already use.</p>
      <ul className="auth__points">
        <li>Answers grounded in your own material</li>
        <li>WhatsApp, Telegram, the web and the app in one place</li>
        <li>See who is thriving and who needs a nudge</li>
      </ul>
    </aside>
    <main className="auth__main" id="main">
      <div className="auth__card">
        <div className="auth__mobile-brand">
          <BrandMark />
        </div>
        <h1 className="auth__title" tabIndex={-1}>
          {title}
        </h1>
        {subtitle ? <p className="auth__subtitle">{subtitle}</p> : null}
        {children}
      </div>
      {footer ? <div className="auth__footer">{footer}</div> : null}
    </main>
  </div>
);
