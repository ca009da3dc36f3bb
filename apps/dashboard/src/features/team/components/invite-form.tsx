import type { TStaffRole } from '@companero/contracts/auth/session';
import { type FormEvent, useState } from 'react';
import { fieldErrorsOf } from '../../../api/api-error';
import { SelectField, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { roleDescriptions, roleLabels } from '../../auth/session';
import { useInviteTeammate } from '../team.api';

const invitableRoles: TStaffRole[] = ['viewer', 'editor', 'admin', 'owner'];

/** Adds an existing Compañero account at once, or emails an invitation to anyone else. */
export const InviteForm = ({
  canInvite,
  actorRole,
  disabledHint,
}: {
  canInvite: boolean;
  actorRole: TStaffRole;
  disabledHint: string;
}) => {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<TStaffRole>('viewer');
  const [missing, setMissing] = useState<string | null>(null);
  const invite = useInviteTeammate();
  const notify = useToast();
  const roles = invitableRoles.filter((candidate) => candidate !== 'owner' || actorRole === 'owner');

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim()) {
      setMissing('Enter the email address of the person to invite.');
      return;
    }
    setMissing(null);
    invite.mutate(
      { email: email.trim(), role },
      {
        onSuccess: (result) => {
          notify(
            result.status === 'added'
              ? `${result.teammate?.name ?? email} joined the team as ${roleLabels[role].toLowerCase()}.`
              : `Invitation emailed to ${email.trim()}. It is valid for 7 days.`,
          );
          setEmail('');
        },
      },
    );
  };
  const serverErrors = fieldErrorsOf(invite.error);
  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 className="card__title" id="invite-title">
        Invite a teammate
      </h2>
      <form className="form form--inline" onSubmit={onSubmit} noValidate aria-busy={invite.isPending}>
        <TextField
          label="Email"
          name="email"
          type="email"
          inputMode="email"
          autoComplete="off"
          placeholder="name@example.com"
          value={email}
          disabled={!canInvite}
          onChange={(event) => setEmail(event.target.value)}
          error={missing ?? serverErrors.email}
        />
        <SelectField
          label="Role"
          name="role"
          value={role}
          disabled={!canInvite}
          onChange={(event) => setRole(event.target.value as TStaffRole)}
          hint={roleDescriptions[role]}
          error={serverErrors.role}
        >
          {roles.map((candidate) => (
            <option key={candidate} value={candidate}>
              {roleLabels[candidate]}
            </option>
          ))}
        </SelectField>
        <div className="form__submit">
          <button type="submit" className="button button--primary" disabled={!canInvite || invite.isPending}>
            {invite.isPending ? <Spinner /> : null}
            Send invitation
          </button>
        </div>
      </form>
      {!canInvite ? <p className="field__hint">{disabledHint}</p> : null}
      <FormError error={invite.error} />
    </section>
  );
};
