import { useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '../../../api/api-error';
import { formatDate } from '../../../lib/date-format';
import { Dialog } from '../../../ui/dialog';
import { PageHeader } from '../../../ui/page-header';
import { ErrorState, FormError, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { useSignOut } from '../../auth/auth.api';
import { permissionHint, roleLabels, useCan, useClaims } from '../../auth/session';
import { InviteForm } from '../components/invite-form';
import { TeamTable } from '../components/team-table';
import { type TTeammate, useChangeRole, useRemoveTeammate, useTeam } from '../team.api';

export const TeamPage = () => {
  useDocumentTitle('Team');
  const claims = useClaims();
  const canManage = useCan('manageTeam');
  const team = useTeam();
  const changeRole = useChangeRole();
  const removeTeammate = useRemoveTeammate();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const notify = useToast();
  const [toRemove, setToRemove] = useState<TTeammate | null>(null);
  const isLeaving = toRemove?.accountId === claims.accountId;

  return (
    <div className="page">
      <PageHeader
        title="Team"
        description="Who can work on this coaching space, and what each person may do."
      />
      {!canManage ? (
        <p className="notice notice--info">
          You have the {claims.role} role. Inviting, changing roles and removing teammates needs an admin or
          the owner.
        </p>
      ) : null}
      <InviteForm
        canInvite={canManage}
        actorRole={claims.role}
        disabledHint={permissionHint('manageTeam', claims.role)}
      />
      <section className="card" aria-labelledby="team-title">
        <h2 className="card__title" id="team-title">
          Teammates
        </h2>
        {team.isPending ? (
          <LoadingState label="Loading the team…" />
        ) : team.isError ? (
          <ErrorState
            error={team.error}
            title="The team could not be loaded"
            onRetry={() => team.refetch()}
          />
        ) : (
          <TeamTable
            teammates={team.data.items}
            actor={claims}
            pendingAccountId={changeRole.isPending ? (changeRole.variables?.accountId ?? null) : null}
            onChangeRole={(teammate, role) =>
              changeRole.mutate(
                { accountId: teammate.accountId, role },
                {
                  onSuccess: () => notify(`${teammate.name} is now ${roleLabels[role].toLowerCase()}.`),
                  onError: (error) => notify(errorMessage(error), 'error'),
                },
              )
            }
            onRemove={setToRemove}
          />
        )}
      </section>
      {team.data && team.data.invitations.length > 0 ? (
        <section className="card" aria-labelledby="invitations-title">
          <h2 className="card__title" id="invitations-title">
            Pending invitations
          </h2>
          <ul className="invitation-list">
            {team.data.invitations.map((invitation) => (
              <li key={invitation.id}>
                <span className="table__line">{invitation.email}</span>
                <span className="badge badge--role">{roleLabels[invitation.role]}</span>
                <span className="muted">expires {formatDate(invitation.expiresAt)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <Dialog
        isOpen={toRemove !== null}
        onClose={() => {
          setToRemove(null);
          removeTeammate.reset();
        }}
        tone="danger"
        title={isLeaving ? 'Leave this team?' : `Remove ${toRemove?.name ?? 'teammate'}?`}
        footer={
          <>
            <button type="button" className="button" onClick={() => setToRemove(null)}>
              Cancel
            </button>
            <button
              type="button"
              className="button button--danger"
              disabled={removeTeammate.isPending}
              onClick={() => {
                if (!toRemove) return;
                removeTeammate.mutate(toRemove.accountId, {
                  onSuccess: () => {
                    setToRemove(null);
                    if (isLeaving) {
                      notify('You left the team.');
                      signOut.mutate(undefined, { onSettled: () => navigate('/sign-in', { replace: true }) });
                    } else {
                      notify(`${toRemove.name} was removed from the team.`);
                    }
                  },
                });
              }}
            >
              {removeTeammate.isPending ? <Spinner /> : null}
              {isLeaving ? 'Leave team' : 'Remove'}
            </button>
          </>
        }
      >
        {isLeaving ? (
          <p>You lose access to this coaching space at once. An admin can invite you again later.</p>
        ) : (
          <p>
            {toRemove?.name} ({toRemove?.email}) loses access at once and is signed out of this coaching
            space. Their past actions stay in the audit log.
          </p>
        )}
        <FormError error={removeTeammate.error} />
      </Dialog>
    </div>
  );
};
