import { useId, useState } from 'react';
import { Dialog } from '../../../ui/dialog';
import { FormError, Spinner } from '../../../ui/states';
import { channelLabel, type TMemberDetail } from '../members.api';

const plural = (count: number, word: string, plural = `${word}s`) =>
  `${count.toLocaleString()} ${count === 1 ? word : plural}`;

/**
 * Erasure cannot be undone, so the dialog lists what this member's erasure removes and asks for their name to
 * be typed, which also proves the right member is open.
 */
export const EraseMemberDialog = ({
  isOpen,
  onClose,
  member,
  memberName,
  onConfirm,
  isPending,
  error,
}: {
  isOpen: boolean;
  onClose: () => void;
  member: TMemberDetail;
  memberName: string;
  onConfirm: () => void;
  isPending: boolean;
  error: unknown;
}) => {
  const id = useId();
  const [typed, setTyped] = useState('');
  const messageCount = member.conversations.reduce((sum, conversation) => sum + conversation.messageCount, 0);
  const attributeCount = Object.keys(member.attributes).length;
  const contact = [member.email, member.phone].filter(Boolean).join(', ');
  const isConfirmed = typed.trim().toLowerCase() === memberName.trim().toLowerCase();
  const close = () => {
    setTyped('');
    onClose();
  };
  return (
    <Dialog
      isOpen={isOpen}
      onClose={close}
      tone="danger"
      title={`Erase ${memberName}?`}
      footer={
        <>
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button
            type="button"
            className="button button--danger"
            disabled={!isConfirmed || isPending}
            onClick={onConfirm}
          >
            {isPending ? <Spinner /> : null}
            {isPending ? 'Erasing…' : 'Erase member'}
          </button>
        </>
      }
    >
      <p>
        This permanently deletes everything Compañero holds about <strong>{memberName}</strong>, everywhere:
        the database, the coach’s search index, caches and queued jobs. It cannot be undone.
      </p>
      <ul className="erase-list">
        <li>
          Their profile{contact ? ` (${contact})` : ''}
          {member.timezone ? `, time zone` : ''}
          {attributeCount > 0 ? ` and ${plural(attributeCount, 'custom attribute')}` : ''}
        </li>
        <li>
          {plural(member.conversations.length, 'conversation')} with {plural(messageCount, 'message')}
        </li>
        {member.identities.length > 0 ? (
          <li>
            {plural(member.identities.length, 'channel identity', 'channel identities')}:{' '}
            {member.identities
              .map(
                (identity) =>
                  `${channelLabel(identity.channel)} ${identity.displayName ?? identity.externalId}`,
              )
              .join(', ')}
          </li>
        ) : null}
        {member.tags.length > 0 ? <li>Tags: {member.tags.join(', ')}</li> : null}
        {member.notes ? <li>Your team’s notes about them</li> : null}
        {member.points !== null || member.streaks.length > 0 ? (
          <li>
            {member.points !== null ? `${plural(member.points, 'point')}` : 'Points'} and{' '}
            {plural(member.streaks.length, 'habit streak')}
          </li>
        ) : null}
        <li>Anything scheduled to be sent to them</li>
      </ul>
      <p>If you need a copy, download their export first.</p>
      <div className="field">
        <label className="field__label" htmlFor={`${id}-confirm`}>
          Type <strong>{memberName}</strong> to confirm
        </label>
        <input
          id={`${id}-confirm`}
          className="input"
          autoComplete="off"
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
        />
      </div>
      <FormError error={error} />
    </Dialog>
  );
};
