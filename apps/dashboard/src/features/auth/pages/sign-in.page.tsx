import { type FormEvent, useState } from 'react';
import { Link, Navigate, useSearchParams } from 'react-router';
import { fieldErrorsOf } from '../../../api/api-error';
import { Field, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useSignIn } from '../auth.api';
import { AuthLayout } from '../components/auth-layout';
import { PasswordInput } from '../components/password-input';
import { safeNextPath } from '../components/require-session';
import { useSession } from '../session';

export const SignInPage = () => {
  const session = useSession();
  const [searchParams] = useSearchParams();
  const next = safeNextPath(searchParams.get('next'));
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<Record<string, string>>({});

  if (session.status === 'signed-in') return <Navigate to={next} replace />;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!email.trim()) problems.email = 'Enter your email address.';
    if (!password) problems.password = 'Enter your password.';
    setMissing(problems);
    if (Object.keys(problems).length === 0) signIn.mutate({ email: email.trim(), password });
  };
  const serverErrors = fieldErrorsOf(signIn.error);
  const hasExpired = session.status === 'signed-out' && session.reason === 'expired';

  return (
    <AuthLayout
      title="Sign in to Compañero"
      subtitle="Welcome back. Your members are waiting."
      footer={
        <p>
          New to Compañero? <Link to="/sign-up">Create an account</Link>
        </p>
      }
    >
      {hasExpired ? (
        <p className="notice notice--info" role="status">
          Your session ended. Sign in again to continue where you were.
        </p>
      ) : null}
      <form className="form" onSubmit={onSubmit} noValidate aria-busy={signIn.isPending}>
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          inputMode="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={missing.email ?? serverErrors.email}
        />
        <Field label="Password" error={missing.password ?? serverErrors.password}>
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
        <FormError error={signIn.error} />
        <button type="submit" className="button button--primary button--block" disabled={signIn.isPending}>
          {signIn.isPending ? <Spinner /> : null}
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthLayout>
  );
};
