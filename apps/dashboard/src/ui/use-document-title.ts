import { useEffect } from 'react';

/** "Members · Compañero" in the tab and in the history list. */
export const useDocumentTitle = (title: string | null | undefined) => {
  useEffect(() => {
    document.title = title ? `${title} · Compañero` : 'Compañero';
  }, [title]);
};
