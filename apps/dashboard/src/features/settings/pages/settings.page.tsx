import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { fieldErrorsOf } from '../../../api/api-error';
import { formatDate } from '../../../lib/date-format';
import { SelectField, TextField } from '../../../ui/form-field';
import { PageHeader } from '../../../ui/page-header';
import { ErrorState, FormError, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import {
  type TCreatorSettings,
  type UpdateCreatorSettingsInput,
  useCreatorSettings,
  useUpdateCreatorSettings,
} from '../settings.api';

const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const timeZones = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

const SettingsForm = ({
  settings,
  canEdit,
  disabledHint,
}: {
  settings: TCreatorSettings;
  canEdit: boolean;
  disabledHint: string;
}) => {
  const [name, setName] = useState(settings.name);
  const [slug, setSlug] = useState(settings.slug);
  const [timezone, setTimezone] = useState(settings.timezone);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const update = useUpdateCreatorSettings();
  const notify = useToast();
  useEffect(() => {
    setName(settings.name);
    setSlug(settings.slug);
    setTimezone(settings.timezone);
  }, [settings]);
  const zones = useMemo(
    () => (timeZones.includes(settings.timezone) ? timeZones : [settings.timezone, ...timeZones]),
    [settings.timezone],
  );

  const changes: UpdateCreatorSettingsInput = {
    ...(name.trim() !== settings.name ? { name: name.trim() } : {}),
    ...(slug.trim().toLowerCase() !== settings.slug ? { slug: slug.trim().toLowerCase() } : {}),
    ...(timezone !== settings.timezone ? { timezone } : {}),
  };
  const isDirty = Object.keys(changes).length > 0;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Enter a name; your members see it.';
    if (!slugPattern.test(slug.trim().toLowerCase()))
      found.slug = 'Use lower-case letters, digits and dashes, starting and ending with a letter or digit.';
    setProblems(found);
    if (Object.keys(found).length > 0 || !isDirty) return;
    update.mutate(changes, { onSuccess: () => notify('Settings saved.') });
  };
  const serverErrors = fieldErrorsOf(update.error);

  return (
    <form className="card form" onSubmit={onSubmit} noValidate aria-busy={update.isPending}>
      <h2 className="card__title">Coaching space</h2>
      <TextField
        label="Name"
        name="name"
        maxLength={120}
        value={name}
        disabled={!canEdit}
        hint="Shown to members in the widget, the app and messages."
        onChange={(event) => setName(event.target.value)}
        error={problems.name ?? serverErrors.name}
      />
      <TextField
        label="Slug"
        name="slug"
        maxLength={63}
        value={slug}
        disabled={!canEdit}
        spellCheck={false}
        autoCapitalize="none"
        hint={
          <>
            Your public handle, used by the website widget (<code>data-creator="{slug || '…'}"</code>) and for
            members signing in to the app. Changing it breaks widgets already embedded with the old one.
          </>
        }
        onChange={(event) => setSlug(event.target.value)}
        error={problems.slug ?? serverErrors.slug}
      />
      {zones.length > 0 ? (
        <SelectField
          label="Time zone"
          name="timezone"
          value={timezone}
          disabled={!canEdit}
          hint="Analytics count days in this zone, and scheduled messages follow it."
          onChange={(event) => setTimezone(event.target.value)}
          error={serverErrors.timezone}
        >
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replace(/_/g, ' ')}
            </option>
          ))}
        </SelectField>
      ) : (
        <TextField
          label="Time zone"
          name="timezone"
          value={timezone}
          disabled={!canEdit}
          hint="An IANA time zone such as Europe/Madrid."
          onChange={(event) => setTimezone(event.target.value)}
          error={serverErrors.timezone}
        />
      )}
      <FormError error={update.error} />
      {!canEdit ? <p className="field__hint">{disabledHint}</p> : null}
      <div className="card__actions">
        <span className="muted">Created {formatDate(settings.createdAt)}</span>
        <button
          type="submit"
          className="button button--primary"
          disabled={!canEdit || !isDirty || update.isPending}
        >
          {update.isPending ? <Spinner /> : null}
          Save changes
        </button>
      </div>
    </form>
  );
};

export const SettingsPage = () => {
  useDocumentTitle('Settings');
  const { role } = useClaims();
  const canEdit = useCan('editSettings');
  const settings = useCreatorSettings();
  return (
    <div className="page page--narrow">
      <PageHeader
        title="Settings"
        description="How your coaching space is named and found, and which clock it keeps."
      />
      {!canEdit ? (
        <p className="notice notice--info">
          You have the {role} role: you can see the settings; changing them needs an admin.
        </p>
      ) : null}
      {settings.isPending ? (
        <LoadingState label="Loading settings…" />
      ) : settings.isError ? (
        <ErrorState
          error={settings.error}
          title="Settings could not be loaded"
          onRetry={() => settings.refetch()}
        />
      ) : (
        <SettingsForm
          settings={settings.data}
          canEdit={canEdit}
          disabledHint={permissionHint('editSettings', role)}
        />
      )}
    </div>
  );
};
