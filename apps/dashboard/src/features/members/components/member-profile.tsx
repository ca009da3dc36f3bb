import { formatDate, formatDateTime, formatRelative } from '../../../lib/date-format';
import { channelLabel, type TMemberDetail } from '../members.api';

const attributeValue = (value: unknown): string =>
  value === null || value === undefined
    ? '—'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** Who the member is and how to reach them. */
export const MemberProfile = ({ member }: { member: TMemberDetail }) => {
  const attributes = Object.entries(member.attributes);
  return (
    <section className="card" aria-labelledby="member-profile-title">
      <h2 className="card__title" id="member-profile-title">
        Profile
      </h2>
      <dl className="details">
        <div>
          <dt>Email</dt>
          <dd>{member.email ?? '—'}</dd>
        </div>
        <div>
          <dt>Phone</dt>
          <dd>{member.phone ?? '—'}</dd>
        </div>
        <div>
          <dt>Time zone</dt>
          <dd>{member.timezone ?? '—'}</dd>
        </div>
        <div>
          <dt>Language</dt>
          <dd>{member.locale ?? '—'}</dd>
        </div>
        <div>
          <dt>Joined</dt>
          <dd>{formatDate(member.createdAt)}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd title={formatDateTime(member.lastSeenAt)}>{formatRelative(member.lastSeenAt)}</dd>
        </div>
        <div>
          <dt>Points</dt>
          <dd>{member.points === null ? 'None yet' : member.points.toLocaleString()}</dd>
        </div>
      </dl>
      <h3 className="card__subtitle">Channels</h3>
      {member.identities.length > 0 ? (
        <ul className="identity-list">
          {member.identities.map((identity) => (
            <li key={identity.id}>
              <span className={`chip chip--channel chip--${identity.channel}`}>
                {channelLabel(identity.channel)}
              </span>
              <span>{identity.displayName ?? identity.externalId}</span>
              <span className="muted">last seen {formatRelative(identity.lastSeenAt)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">
          Not connected on any channel yet (imported members appear here once they write).
        </p>
      )}
      {member.streaks.length > 0 ? (
        <>
          <h3 className="card__subtitle">Habit streaks</h3>
          <ul className="identity-list">
            {member.streaks.map((streak) => (
              <li key={streak.habitId}>
                <span>{streak.name}</span>
                <span className="muted">
                  {streak.current} now · best {streak.best}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {attributes.length > 0 ? (
        <>
          <h3 className="card__subtitle">Custom attributes</h3>
          <dl className="details">
            {attributes.map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{attributeValue(value)}</dd>
              </div>
            ))}
          </dl>
        </>
      ) : null}
    </section>
  );
};
