import { useId } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { errorMessage } from '../../../api/api-error';
import { useToast } from '../../../ui/toaster';
import { useMe, useSwitchCreator } from '../../auth/auth.api';
import { roleLabels, useClaims } from '../../auth/session';

/** Which creator the dashboard shows. Switching gets tokens for that membership and reloads every page's data. */
export const CreatorSwitcher = () => {
  const id = useId();
  const claims = useClaims();
  const me = useMe();
  const switchCreator = useSwitchCreator();
  const navigate = useNavigate();
  const location = useLocation();
  const notify = useToast();
  const memberships = me.data?.memberships ?? [];
  const current = memberships.find((membership) => membership.creatorId === claims.creatorId);

  if (memberships.length <= 1) {
    return (
      <div className="creator-switcher creator-switcher--single">
        <span className="creator-switcher__name">{current?.creatorName ?? ' '}</span>
        <span className="badge badge--role">{roleLabels[claims.role]}</span>
      </div>
    );
  }
  return (
    <div className="creator-switcher">
      <label htmlFor={id} className="visually-hidden">
        Creator
      </label>
      <select
        id={id}
        className="input select creator-switcher__select"
        value={claims.creatorId}
        disabled={switchCreator.isPending}
        onChange={(event) => {
          const creatorId = event.target.value;
          const target = memberships.find((membership) => membership.creatorId === creatorId);
          switchCreator.mutate(creatorId, {
            onSuccess: () => {
              // A member or document page belongs to the previous creator: go back to the section's list.
              const section = location.pathname.split('/')[1] ?? '';
              navigate(`/${section}`, { replace: true });
              notify(`Now working in ${target?.creatorName ?? 'the other creator'}.`, 'info');
            },
            onError: (error) => notify(errorMessage(error), 'error'),
          });
        }}
      >
        {memberships.map((membership) => (
          <option key={membership.creatorId} value={membership.creatorId}>
            {membership.creatorName} · {roleLabels[membership.role]}
          </option>
        ))}
      </select>
    </div>
  );
};
