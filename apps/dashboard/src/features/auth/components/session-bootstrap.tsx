import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useApi } from '../../../api/api-context';
import { ErrorState } from '../../../ui/states';
import { useSession } from '../session';

/**
 * After a reload only the refresh token survives: exchange it once for an access token before any page asks
 * for data. A network failure keeps the refresh token and offers a retry instead of signing out.
 */
export const SessionBootstrap = ({ children }: { children: ReactNode }) => {
  const api = useApi();
  const session = useSession();
  const [error, setError] = useState<unknown>(null);
  const restore = useCallback(() => {
    setError(null);
    api.refreshSession().catch(setError);
  }, [api]);
  useEffect(() => {
    if (session.status === 'restoring') restore();
  }, [session.status, restore]);
  if (error) {
    return (
      <div className="fullscreen-center">
        <ErrorState title="We could not restore your session" error={error} onRetry={restore} />
      </div>
    );
  }
  return <>{children}</>;
};
