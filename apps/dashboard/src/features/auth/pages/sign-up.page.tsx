import { type FormEvent, useState } from 'react';
import { Link, Navigate } from 'react-router';
import { fieldErrorsOf } from '../../../api/api-error';
import { Field, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { type SignUpInput, useSignUp } from '../auth.api';
import { AuthLayout } from '../components/auth-layout';
import { PasswordInput } from '../components/password-input';
import { useSession } from '../session';

const empty: SignUpInput = { name: '', email: '', password: '', creatorName: '' };

const requiredMessages: Record<keyof SignUpInput, string> = {
  name: 'Enter your name.',
  email: 'Enter your email address.',
  password: 'Choose a password.',
  creatorName: 'Name your coaching space; you can change it later.',
};

export const SignUpPage = () => {
  const session = useSession();
  const signUp = useSignUp();
  const [form, setForm] = useState<SignUpInput>(empty);
  const [missing, setMissing] = useState<Partial<Record<keyof SignUpInput, string>>>({});

  if (session.status === 'signed-in') return <Navigate to="/" replace />;

  const update = (key: keyof SignUpInput) => (event: { target: { value: string } }) =>
    setForm((current) => ({ ...current, [key]: event.target.value }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Partial<Record<keyof SignUpInput, string>> = {};
    for (const key of Object.keys(requiredMessages) as (keyof SignUpInput)[]) {
      if (!form[key].trim()) problems[key] = requiredMessages[key];
    }
    setMissing(problems);
    if (Object.keys(problems).length > 0) return;
    signUp.mutate({
      name: form.name.trim(),
      email: form.email.trim(),
      password: form.password,
      creatorName: form.creatorName.trim(),
    });
  };
  const serverErrors = fieldErrorsOf(signUp.error);

  return (
    <AuthLayout
      title="Create your Compañero"
      subtitle="One account for you; a coaching space for your members. Free while you set up."
      footer={
        <p>
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </p>
      }
    >
      <form className="form" onSubmit={onSubmit} noValidate aria-busy={signUp.isPending}>
        <TextField
          label="Your name"
          name="name"
          autoComplete="name"
          value={form.name}
          onChange={update('name')}
          error={missing.name ?? serverErrors.name}
        />
        <TextField
          label="Email"
          name="email"
          type="email"
          inputMode="email"
          autoComplete="email"
          value={form.email}
          onChange={update('email')}
          error={missing.email ?? serverErrors.email}
        />
        <Field
          label="Password"
          hint="Use a long passphrase: a few unrelated words work well. Common passwords are refused."
          error={missing.password ?? serverErrors.password}
        >
          {(control) => (
            <PasswordInput
              {...control}
              name="password"
              autoComplete="new-password"
              value={form.password}
              onChange={update('password')}
            />
          )}
        </Field>
        <TextField
          label="Coaching space name"
          name="creatorName"
          hint="What your members see, like “Ana’s Running Club”."
          autoComplete="organization"
          value={form.creatorName}
          onChange={update('creatorName')}
          error={missing.creatorName ?? serverErrors.creatorName ?? serverErrors.creatorSlug}
        />
        <FormError error={signUp.error} />
        <button type="submit" className="button button--primary button--block" disabled={signUp.isPending}>
          {signUp.isPending ? <Spinner /> : null}
          {signUp.isPending ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
    </AuthLayout>
  );
};
