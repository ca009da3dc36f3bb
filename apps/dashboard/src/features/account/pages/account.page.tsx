import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage, fieldErrorsOf } from '../../../api/api-error';
import { formatDate } from '../../../lib/date-format';
import { Dialog } from '../../../ui/dialog';
import { Field } from '../../../ui/form-field';
import { Icon } from '../../../ui/icons';
import { PageHeader } from '../../../ui/page-header';
import { ErrorState, FormError, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { useMe } from '../../auth/auth.api';
import { PasswordInput } from '../../auth/components/password-input';
import { roleLabels } from '../../auth/session';
import { useDeleteAccount, useExportAccount } from '../account.api';

export const AccountPage = () => {
  useDocumentTitle('Your account');
  const me = useMe();
  const exportAccount = useExportAccount();
  const deleteAccount = useDeleteAccount();
  const notify = useToast();
  const navigate = useNavigate();
  const [isDeleteOpen, setIsDeleteOpen] = useState(false);
  const [password, setPassword] = useState('');

  if (me.isPending) return <LoadingState label="Loading your account…" />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => me.refetch()} />;
  const { account, memberships } = me.data;
  const soleOwnerHint = memberships.filter((membership) => membership.role === 'owner');

  const onDelete = (event: FormEvent) => {
    event.preventDefault();
    if (!password) return;
    deleteAccount.mutate(password, {
      onSuccess: (result) => {
        notify(
          result.deletedCreators.length > 0
            ? `Your account and ${result.deletedCreators.length} coaching space(s) only you worked on were deleted.`
            : 'Your account was deleted.',
          'info',
        );
        navigate('/sign-in', { replace: true });
      },
    });
  };

  return (
    <div className="page page--narrow">
      <PageHeader
        title="Your account"
        description="Your sign-in, the coaching spaces you belong to, and your data."
      />
      <section className="card">
        <h2 className="card__title">Profile</h2>
        <dl className="details">
          <div>
            <dt>Name</dt>
            <dd>{account.name}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{account.email}</dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{formatDate(account.createdAt)}</dd>
          </div>
        </dl>
      </section>
      <section className="card">
        <h2 className="card__title">Coaching spaces</h2>
        <ul className="invitation-list">
          {memberships.map((membership) => (
            <li key={membership.creatorId}>
              <span className="table__line">{membership.creatorName}</span>
              <span className="badge badge--role">{roleLabels[membership.role]}</span>
              <span className="muted">{membership.creatorSlug}</span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card">
        <h2 className="card__title">Your data</h2>
        <p>
          Download everything Compañero stores about your account: profile, memberships, sessions and your
          actions.
        </p>
        <div className="card__actions card__actions--start">
          <button
            type="button"
            className="button"
            disabled={exportAccount.isPending}
            onClick={() =>
              exportAccount.mutate(undefined, {
                onSuccess: () => notify('Your data was downloaded.'),
                onError: (error) => notify(errorMessage(error), 'error'),
              })
            }
          >
            {exportAccount.isPending ? <Spinner /> : <Icon name="download" />} Download my data
          </button>
          <button
            type="button"
            className="button button--danger-outline"
            onClick={() => setIsDeleteOpen(true)}
          >
            <Icon name="trash" /> Delete my account
          </button>
        </div>
      </section>
      <Dialog
        isOpen={isDeleteOpen}
        onClose={() => {
          setIsDeleteOpen(false);
          setPassword('');
          deleteAccount.reset();
        }}
        tone="danger"
        title="Delete your account?"
        footer={
          <>
            <button type="button" className="button" onClick={() => setIsDeleteOpen(false)}>
              Cancel
            </button>
            <button
              type="submit"
              form="delete-account-form"
              className="button button--danger"
              disabled={!password || deleteAccount.isPending}
            >
              {deleteAccount.isPending ? <Spinner /> : null}
              Delete my account
            </button>
          </>
        }
      >
        <p>
          This deletes <strong>{account.email}</strong>, your sessions and your memberships in{' '}
          {memberships.length} coaching space{memberships.length === 1 ? '' : 's'}. A coaching space where you
          are the only teammate is deleted with everything in it.
          {soleOwnerHint.length > 0 ? ' Hand over ownership first if others should keep working in it.' : ''}{' '}
          It cannot be undone.
        </p>
        <form id="delete-account-form" className="form" onSubmit={onDelete} noValidate>
          <Field label="Your password" error={fieldErrorsOf(deleteAccount.error).password}>
            {(control) => (
              <PasswordInput
                {...control}
                autoComplete="current-password"
                value={password}
                onChange={(event) => setPassword(event.target.value)}
              />
            )}
          </Field>
          <FormError error={deleteAccount.error} />
        </form>
      </Dialog>
    </div>
  );
};
