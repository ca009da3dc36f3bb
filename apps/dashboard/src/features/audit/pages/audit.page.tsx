import { useId, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { formatDateTime, formatRelative } from '../../../lib/date-format';
import { PageHeader } from '../../../ui/page-header';
import { EmptyState, ErrorState, LoadingState, Spinner } from '../../../ui/states';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import { auditActionLabels, describeAuditAction, type TAuditEntry, useAuditLog } from '../audit.api';

const actorOf = (entry: TAuditEntry) => {
  if (entry.actor.email) return entry.actor.email;
  if (entry.actor.type === 'system') return 'Compañero';
  if (entry.actor.type === 'member') return 'A member';
  if (entry.actor.type === 'anonymous') return 'Someone signed out';
  return 'A former teammate';
};

/** A short browser name from a user-agent string, enough to tell devices apart. */
const deviceOf = (userAgent: string | null) => {
  if (!userAgent) return null;
  const browser =
    /(Edg|Firefox|Chrome|Safari|curl|node|Playwright)[/ ]?[\d.]*/i.exec(userAgent)?.[1] ?? 'Unknown';
  const system = /(Windows|Mac OS X|Android|iPhone|iPad|Linux)/i.exec(userAgent)?.[1] ?? '';
  return [browser === 'Edg' ? 'Edge' : browser, system.replace('Mac OS X', 'macOS')]
    .filter(Boolean)
    .join(' on ');
};

const AuditTable = ({ action }: { action: string }) => {
  const log = useAuditLog(action);
  const entries = useMemo(() => log.data?.pages.flatMap((page) => page.items) ?? [], [log.data]);
  if (log.isPending) return <LoadingState label="Loading the audit log…" />;
  if (log.isError)
    return (
      <ErrorState error={log.error} title="The audit log could not be loaded" onRetry={() => log.refetch()} />
    );
  if (entries.length === 0)
    return (
      <EmptyState title={action ? 'Nothing of this kind yet' : 'Nothing recorded yet'} icon="audit">
        <p>
          {action
            ? 'Pick “All actions” to see everything that happened.'
            : 'Sign-ins, team changes, exports and erasures are recorded here as they happen.'}
        </p>
      </EmptyState>
    );
  return (
    <>
      <div className="table-scroll">
        <table className="table">
          <caption className="visually-hidden">Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col" className="hide-narrow">
                From
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <time dateTime={entry.createdAt} title={formatDateTime(entry.createdAt)}>
                    {formatRelative(entry.createdAt)}
                  </time>
                  <span className="table__sub">{formatDateTime(entry.createdAt)}</span>
                </td>
                <td>{actorOf(entry)}</td>
                <td>
                  <span className="table__line">{describeAuditAction(entry.action)}</span>
                  {entry.metadata && typeof entry.metadata.role === 'string' ? (
                    <span className="table__sub">as {entry.metadata.role}</span>
                  ) : null}
                  {typeof entry.metadata.from === 'string' && typeof entry.metadata.to === 'string' ? (
                    <span className="table__sub">
                      {entry.metadata.from} → {entry.metadata.to}
                    </span>
                  ) : null}
                </td>
                <td className="hide-narrow">
                  <span className="table__line">{entry.ip ?? '—'}</span>
                  {deviceOf(entry.userAgent) ? (
                    <span className="table__sub">{deviceOf(entry.userAgent)}</span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {log.hasNextPage ? (
        <div className="card__actions card__actions--center">
          <button
            type="button"
            className="button"
            onClick={() => log.fetchNextPage()}
            disabled={log.isFetchingNextPage}
          >
            {log.isFetchingNextPage ? <Spinner /> : null}
            Load older entries
          </button>
        </div>
      ) : null}
    </>
  );
};

export const AuditPage = () => {
  useDocumentTitle('Audit log');
  const id = useId();
  const { role } = useClaims();
  const canRead = useCan('readAuditLog');
  const [searchParams, setSearchParams] = useSearchParams();
  const action = searchParams.get('action') ?? '';
  return (
    <div className="page">
      <PageHeader
        title="Audit log"
        description="Who did what in this coaching space, when, and from where. Newest first."
        actions={
          canRead ? (
            <div className="inline-field">
              <label htmlFor={`${id}-action`}>Show</label>
              <select
                id={`${id}-action`}
                className="input select"
                value={action}
                onChange={(event) =>
                  setSearchParams(event.target.value ? { action: event.target.value } : {}, { replace: true })
                }
              >
                <option value="">All actions</option>
                {Object.entries(auditActionLabels).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
          ) : null
        }
      />
      {canRead ? (
        <section className="card">
          <AuditTable action={action} />
        </section>
      ) : (
        <EmptyState title="The audit log is for admins" icon="lock">
          <p>
            {permissionHint('readAuditLog', role)} Ask an admin or the owner if you need to know who changed
            something.
          </p>
        </EmptyState>
      )}
    </div>
  );
};
