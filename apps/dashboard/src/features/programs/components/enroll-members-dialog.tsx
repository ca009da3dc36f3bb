import { type FormEvent, useEffect, useId, useState } from 'react';
import { Dialog } from '../../../ui/dialog';
import { FormError, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDebouncedValue } from '../../../ui/use-debounced-value';
import { type MemberListFilters, useMemberList } from '../../members/members.api';
import { type TEnrollResult, useEnrollMembers, useEnrollments } from '../programs.api';

const memberFilters = (q: string): MemberListFilters => ({
  q,
  tag: '',
  channel: '',
  lastSeen: 'any',
  sort: 'name',
  order: 'asc',
  limit: 50,
});

const resultText = (result: TEnrollResult) =>
  [
    `${result.enrolled.length} enrolled`,
    result.alreadyEnrolled.length > 0 ? `${result.alreadyEnrolled.length} already in the program` : null,
    result.notFound.length > 0 ? `${result.notFound.length} no longer found` : null,
  ]
    .filter(Boolean)
    .join(', ');

/**
 * Picks members (searched by name, email or phone) and enrolls them in the published version; those already in
 * the program are marked. Focus starts in the search box; the native dialog returns it to the opener.
 */
export const EnrollMembersDialog = ({
  programId,
  programName,
  isOpen,
  onClose,
}: {
  programId: string;
  programName: string;
  isOpen: boolean;
  onClose: () => void;
}) => {
  const id = useId();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const debouncedQuery = useDebouncedValue(query.trim(), 250);
  const members = useMemberList(memberFilters(debouncedQuery), null);
  const enrollments = useEnrollments(programId);
  const enroll = useEnrollMembers(programId);
  const notify = useToast();

  // biome-ignore lint/correctness/useExhaustiveDependencies: a fresh start each time the dialog opens
  useEffect(() => {
    if (!isOpen) return;
    setQuery('');
    setSelected(new Set());
    enroll.reset();
  }, [isOpen]);

  const activeIds = new Set(
    (enrollments.data?.items ?? [])
      .filter((enrollment) => enrollment.status === 'active' || enrollment.status === 'waiting')
      .map((enrollment) => enrollment.memberId),
  );

  const toggle = (memberId: string, isChecked: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (isChecked) next.add(memberId);
      else next.delete(memberId);
      return next;
    });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (selected.size === 0) return;
    enroll.mutate([...selected], {
      onSuccess: (result) => {
        notify(`${programName}: ${resultText(result)}.`);
        onClose();
      },
    });
  };

  const items = members.data?.items ?? [];
  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title={`Enroll members in “${programName}”`}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button button--primary"
            disabled={selected.size === 0 || enroll.isPending}
          >
            {enroll.isPending ? <Spinner /> : null}
            {selected.size === 1 ? 'Enroll 1 member' : `Enroll ${selected.size} members`}
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="form enroll-form" onSubmit={onSubmit} noValidate>
        <div className="field">
          <label className="field__label" htmlFor={`${id}-search`}>
            Find members
          </label>
          <input
            id={`${id}-search`}
            className="input"
            type="search"
            value={query}
            placeholder="Name, email or phone"
            // The dialog opens on the search: picking members starts with finding them.
            data-autofocus
            onChange={(event) => setQuery(event.target.value)}
          />
        </div>
        {members.isPending ? (
          <LoadingState label="Loading members…" />
        ) : members.isError ? (
          <FormError error={members.error} />
        ) : items.length === 0 ? (
          <p className="muted">
            {debouncedQuery ? `No member matches “${debouncedQuery}”.` : 'You have no members yet.'}
          </p>
        ) : (
          <fieldset className="member-picker" aria-busy={members.isFetching}>
            <legend className="visually-hidden">Members</legend>
            <ul className="member-picker__list">
              {items.map((member) => {
                const isEnrolled = activeIds.has(member.id);
                const name = member.name ?? member.email ?? member.phone ?? 'Unnamed member';
                return (
                  <li key={member.id}>
                    <label className="member-picker__item">
                      <input
                        type="checkbox"
                        checked={selected.has(member.id)}
                        disabled={isEnrolled}
                        onChange={(event) => toggle(member.id, event.target.checked)}
                      />
                      <span className="member-picker__name">{name}</span>
                      <span className="member-picker__meta">
                        {[member.email, member.channels.join(', ')].filter(Boolean).join(' · ')}
                      </span>
                      {isEnrolled ? <span className="badge badge--role">In the program</span> : null}
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
        )}
        {members.data?.nextCursor ? (
          <p className="field__hint">Showing the first {items.length}; search to find others.</p>
        ) : null}
        <FormError error={enroll.error} />
      </form>
    </Dialog>
  );
};
