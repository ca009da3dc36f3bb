import { Link } from 'react-router';
import { PageHeader } from '../../../ui/page-header';
import { EmptyState } from '../../../ui/states';
import { useDocumentTitle } from '../../../ui/use-document-title';

export const NotFoundPage = () => {
  useDocumentTitle('Page not found');
  return (
    <div className="page">
      <PageHeader title="Page not found" />
      <EmptyState title="There is nothing at this address" icon="question">
        <p>The link may be old, or the page may have moved.</p>
        <p>
          <Link to="/">Go to the dashboard</Link>
        </p>
      </EmptyState>
    </div>
  );
};
