import type { TStaffRole } from '@companero/contracts/auth/session';
import { formatDate } from '../../../lib/date-format';
import { hasRoleAtLeast, roleLabels } from '../../auth/session';
import type { TTeammate } from '../team.api';

const allRoles: TStaffRole[] = ['owner', 'admin', 'editor', 'viewer'];

/**
 * What the signed-in person may do to one teammate, mirroring the server: admins manage the team, only an
 * owner touches the owner role, and anyone may leave.
 */
export const teammatePermissions = (actor: { accountId: string; role: TStaffRole }, target: TTeammate) => {
  const isSelf = actor.accountId === target.accountId;
  const isAdmin = hasRoleAtLeast(actor.role, 'admin');
  const touchesOwner = target.role === 'owner' && actor.role !== 'owner';
  return {
    canChangeRole: isAdmin && !touchesOwner,
    canRemove: isSelf || (isAdmin && !touchesOwner),
    isSelf,
    assignableRoles: allRoles.filter((role) => role !== 'owner' || actor.role === 'owner'),
  };
};

export const TeamTable = ({
  teammates,
  actor,
  pendingAccountId,
  onChangeRole,
  onRemove,
}: {
  teammates: TTeammate[];
  actor: { accountId: string; role: TStaffRole };
  pendingAccountId: string | null;
  onChangeRole: (teammate: TTeammate, role: TStaffRole) => void;
  onRemove: (teammate: TTeammate) => void;
}) => (
  <div className="table-scroll">
    <table className="table">
      <caption className="visually-hidden">Teammates and their roles</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Role</th>
          <th scope="col" className="hide-narrow">
            Joined
          </th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {teammates.map((teammate) => {
          const permissions = teammatePermissions(actor, teammate);
          const isPending = pendingAccountId === teammate.accountId;
          return (
            <tr key={teammate.accountId}>
              <th scope="row" className="table__primary">
                <span className="table__line">
                  {teammate.name}
                  {permissions.isSelf ? <span className="badge badge--muted">You</span> : null}
                </span>
                <span className="table__sub">{teammate.email}</span>
              </th>
              <td>
                <label className="visually-hidden" htmlFor={`role-${teammate.accountId}`}>
                  Role of {teammate.name}
                </label>
                <select
                  id={`role-${teammate.accountId}`}
                  className="input select input--compact"
                  value={teammate.role}
                  disabled={!permissions.canChangeRole || isPending}
                  onChange={(event) => onChangeRole(teammate, event.target.value as TStaffRole)}
                >
                  {(permissions.canChangeRole ? permissions.assignableRoles : allRoles).map((role) => (
                    <option key={role} value={role}>
                      {roleLabels[role]}
                    </option>
                  ))}
                </select>
              </td>
              <td className="hide-narrow">{formatDate(teammate.joinedAt)}</td>
              <td className="table__actions">
                <button
                  type="button"
                  className="button button--compact button--danger-outline"
                  aria-label={permissions.isSelf ? 'Leave the team' : `Remove ${teammate.name}`}
                  disabled={!permissions.canRemove || isPending}
                  onClick={() => onRemove(teammate)}
                >
                  {permissions.isSelf ? 'Leave' : 'Remove'}
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  </div>
);
