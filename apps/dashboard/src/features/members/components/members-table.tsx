import type { TMemberSummary } from '@companero/contracts/creator-hub/members';
import { Link } from 'react-router';
import { formatDate, formatDateTime, formatRelative } from '../../../lib/date-format';
import { channelLabel, type MemberSort, memberDisplayName } from '../members.api';

type SortState = { sort: MemberSort; order: 'asc' | 'desc' };

type Props = {
  members: TMemberSummary[];
  sort: SortState;
  onSort: (sort: SortState) => void;
  /** Null hides the selection column (roles that cannot bulk-edit). */
  selection: Set<string> | null;
  onSelectionChange: (selection: Set<string>) => void;
};

const SortHeader = ({
  label,
  field,
  sort,
  onSort,
  className,
}: {
  label: string;
  field: MemberSort;
  sort: SortState;
  onSort: (sort: SortState) => void;
  className?: string;
}) => {
  const isActive = sort.sort === field;
  const nextOrder = isActive ? (sort.order === 'asc' ? 'desc' : 'asc') : field === 'name' ? 'asc' : 'desc';
  return (
    <th
      scope="col"
      className={className}
      aria-sort={isActive ? (sort.order === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <button type="button" className="sort-button" onClick={() => onSort({ sort: field, order: nextOrder })}>
        {label}
        <span className="sort-button__arrow" aria-hidden="true">
          {isActive ? (sort.order === 'asc' ? '↑' : '↓') : '↕'}
        </span>
      </button>
    </th>
  );
};

export const MembersTable = ({ members, sort, onSort, selection, onSelectionChange }: Props) => {
  const isAllSelected =
    selection !== null && members.length > 0 && members.every((member) => selection.has(member.id));
  const toggle = (id: string) => {
    if (!selection) return;
    const next = new Set(selection);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelectionChange(next);
  };
  return (
    <div className="table-scroll">
      <table className="table table--members">
        <caption className="visually-hidden">
          Members, sorted by{' '}
          {sort.sort === 'createdAt' ? 'join date' : sort.sort === 'lastSeenAt' ? 'last activity' : 'name'}
        </caption>
        <thead>
          <tr>
            {selection ? (
              <th scope="col" className="table__check">
                <input
                  type="checkbox"
                  aria-label="Select every member on this page"
                  checked={isAllSelected}
                  onChange={() =>
                    onSelectionChange(isAllSelected ? new Set() : new Set(members.map((member) => member.id)))
                  }
                />
              </th>
            ) : null}
            <SortHeader label="Name" field="name" sort={sort} onSort={onSort} />
            <th scope="col" className="hide-narrow">
              Contact
            </th>
            <th scope="col">Channels</th>
            <th scope="col">Tags</th>
            <SortHeader label="Last seen" field="lastSeenAt" sort={sort} onSort={onSort} />
            <SortHeader
              label="Joined"
              field="createdAt"
              sort={sort}
              onSort={onSort}
              className="hide-narrow"
            />
          </tr>
        </thead>
        <tbody>
          {members.map((member) => {
            const name = memberDisplayName(member);
            return (
              <tr key={member.id} className={selection?.has(member.id) ? 'is-selected' : undefined}>
                {selection ? (
                  <td className="table__check">
                    <input
                      type="checkbox"
                      aria-label={`Select ${name}`}
                      checked={selection.has(member.id)}
                      onChange={() => toggle(member.id)}
                    />
                  </td>
                ) : null}
                <th scope="row" className="table__primary">
                  <Link to={`/members/${member.id}`}>{name}</Link>
                  {member.timezone ? <span className="table__sub">{member.timezone}</span> : null}
                </th>
                <td className="hide-narrow">
                  {member.email ? <span className="table__line">{member.email}</span> : null}
                  {member.phone ? <span className="table__line table__sub">{member.phone}</span> : null}
                  {!member.email && !member.phone ? <span className="muted">—</span> : null}
                </td>
                <td>
                  {member.channels.length > 0 ? (
                    <ul className="chips">
                      {member.channels.map((channel) => (
                        <li key={channel} className={`chip chip--channel chip--${channel}`}>
                          {channelLabel(channel)}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">None yet</span>
                  )}
                </td>
                <td>
                  {member.tags.length > 0 ? (
                    <ul className="chips">
                      {member.tags.map((tag) => (
                        <li key={tag} className="chip">
                          {tag}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  <time dateTime={member.lastSeenAt ?? undefined} title={formatDateTime(member.lastSeenAt)}>
                    {formatRelative(member.lastSeenAt)}
                  </time>
                </td>
                <td className="hide-narrow">
                  <time dateTime={member.createdAt}>{formatDate(member.createdAt)}</time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
};
