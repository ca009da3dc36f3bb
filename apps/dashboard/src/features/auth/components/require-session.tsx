import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { LoadingState } from '../../../ui/states';
import { useSession } from '../session';

/** Lets signed-in people through; sends everyone else to sign in and back here afterwards. */
export const RequireSession = ({ children }: { children: ReactNode }) => {
  const session = useSession();
  const location = useLocation();
  if (session.status === 'restoring') {
    return (
      <div className="fullscreen-center">
        <LoadingState label="Signing you in…" />
      </div>
    );
  }
  if (session.status === 'signed-out') {
    const next = `${location.pathname}${location.search}`;
    const search = next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
    return <Navigate to={`/sign-in${search}`} replace />;
  }
  return <>{children}</>;
};

/** Where to go after signing in: a path inside the app from `?next=`, never another site. */
export const safeNextPath = (next: string | null): string =>
  next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-') ? next : '/';
