import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { fieldErrorsOf } from '../../../api/api-error';
import { Field, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useAcceptInvitation } from '../auth.api';
import { AuthLayout } from '../components/auth-layout';
import { PasswordInput } from '../components/password-input';

/** The page the invitation email links to: `/accept-invitation?token=…`. */
export const AcceptInvitationPage = () => {
  const [searchParams] = useSearchParams();
  const token = searchParams.get('token') ?? '';
  const navigate = useNavigate();
  const accept = useAcceptInvitation();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<string | null>(null);

  if (!token) {
    return (
      <AuthLayout title="This invitation link is incomplete">
        <p>
          Open the link from your invitation email again, or ask the person who invited you to send a new
          invitation.
        </p>
        <p>
          <Link to="/sign-in">Go to sign in</Link>
        </p>
      </AuthLayout>
    );
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!password) {
      setMissing('Enter a password: your current one if you already use Compañero, or a new one.');
      return;
    }
    setMissing(null);
    accept.mutate(
      { token, password, ...(name.trim() ? { name: name.trim() } : {}) },
      { onSuccess: () => navigate('/', { replace: true }) },
    );
  };
  const serverErrors = fieldErrorsOf(accept.error);

  return (
    <AuthLayout
      title="Join the team"
      subtitle="You were invited to a coaching space on Compañero. Set up your sign-in to accept."
      footer={<p>Not expecting this? You can ignore the invitation; it expires in 7 days.</p>}
    >
      <form className="form" onSubmit={onSubmit} noValidate aria-busy={accept.isPending}>
        <TextField
          label="Your name"
          name="name"
          autoComplete="name"
          hint="Needed if you are new to Compañero; leave empty if you already have an account."
          isOptional
          value={name}
          onChange={(event) => setName(event.target.value)}
          error={serverErrors.name}
        />
        <Field
          label="Password"
          hint="New here? Choose a long passphrase. Already have an account? Enter its password."
          error={missing ?? serverErrors.password}
        >
          {(control) => (
            <PasswordInput
              {...control}
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        <FormError error={accept.error} />
        <button type="submit" className="button button--primary button--block" disabled={accept.isPending}>
          {accept.isPending ? <Spinner /> : null}
          {accept.isPending ? 'Joining…' : 'Accept invitation'}
        </button>
      </form>
    </AuthLayout>
  );
};
