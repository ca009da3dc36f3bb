import { Link } from 'react-router';
import { formatDateTime } from '../../../lib/date-format';
import { Icon } from '../../../ui/icons';
import type { TProgramSummary } from '../programs.api';

const countFormat = new Intl.NumberFormat();

/** Every program with where it stands: draft or published (which version), edits since, members in it now. */
export const ProgramsTable = ({
  programs,
  canDelete,
  onDelete,
}: {
  programs: TProgramSummary[];
  canDelete: boolean;
  onDelete: (program: TProgramSummary) => void;
}) => (
  <div className="table-scroll">
    <table className="table table--programs">
      <caption className="visually-hidden">Programs, most recently changed first</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col" className="numeric">
            Version
          </th>
          <th scope="col">Unpublished changes</th>
          <th scope="col" className="numeric">
            Active enrollments
          </th>
          <th scope="col">Last changed</th>
          {canDelete ? (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {programs.map((program) => (
          <tr key={program.id}>
            <th scope="row">
              <Link to={`/programs/${program.id}`} className="table__primary">
                {program.name}
              </Link>
              {program.description ? <div className="table__line muted">{program.description}</div> : null}
            </th>
            <td>
              <span className={`badge ${program.status === 'published' ? 'badge--ready' : 'badge--queued'}`}>
                {program.status === 'published' ? 'Published' : 'Draft'}
              </span>
            </td>
            <td className="numeric">{program.latestVersion ? `v${program.latestVersion}` : '—'}</td>
            <td>
              {program.latestVersion === null ? (
                <span className="muted">Not published yet</span>
              ) : program.hasUnpublishedChanges ? (
                <span className="badge badge--warning">Yes</span>
              ) : (
                'No'
              )}
            </td>
            <td className="numeric">{countFormat.format(program.activeEnrollments)}</td>
            <td>{formatDateTime(program.updatedAt)}</td>
            {canDelete ? (
              <td className="table__actions">
                <button
                  type="button"
                  className="icon-button"
                  onClick={() => onDelete(program)}
                  aria-label={`Delete ${program.name}`}
                >
                  <Icon name="trash" />
                </button>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);
