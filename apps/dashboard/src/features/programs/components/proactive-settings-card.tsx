import { ZProactiveSettings } from '@companero/contracts/creator-hub/programs';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { TextField } from '../../../ui/form-field';
import { ErrorState, FormError, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { type TProactiveSettings, useProactiveSettings, useSaveProactiveSettings } from '../programs.api';
import { ListField, NumberField } from './synced-inputs';

type Channel = TProactiveSettings['channelOrder'][number];
const allChannels: Channel[] = ['whatsapp', 'telegram', 'push', 'app', 'widget'];
const channelNames: Record<Channel, string> = {
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  push: 'Push notification',
  app: 'Mobile app',
  widget: 'Web widget',
};

type Draft = Omit<TProactiveSettings, 'quietHours'> & {
  hasQuietHours: boolean;
  quietStart: string;
  quietEnd: string;
};

const toDraft = (settings: TProactiveSettings): Draft => ({
  ...settings,
  hasQuietHours: settings.quietHours !== null,
  quietStart: settings.quietHours?.start ?? '21:00',
  quietEnd: settings.quietHours?.end ?? '08:00',
});

const fromDraft = (draft: Draft): TProactiveSettings => ({
  quietHours: draft.hasQuietHours ? { start: draft.quietStart, end: draft.quietEnd } : null,
  maxPerDay: draft.maxPerDay,
  channelOrder: draft.channelOrder,
  unsubscribeKeywords: draft.unsubscribeKeywords,
  resubscribeKeywords: draft.resubscribeKeywords,
});

/**
 * How programs reach out on their own: quiet hours and a daily cap per member (in each member's time zone),
 * which channel to try first, and the words that stop and restart proactive messages.
 */
export const ProactiveSettingsCard = ({
  canEdit,
  disabledHint,
}: {
  canEdit: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const settings = useProactiveSettings();
  const save = useSaveProactiveSettings();
  const notify = useToast();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    if (settings.data) setDraft(toDraft(settings.data));
  }, [settings.data]);

  if (settings.isPending) return <LoadingState label="Loading the proactive settings…" />;
  if (settings.isError)
    return (
      <ErrorState
        error={settings.error}
        title="The proactive settings could not be loaded"
        onRetry={() => settings.refetch()}
      />
    );
  if (!draft) return null;

  const set = <Key extends keyof Draft>(key: Key, value: Draft[Key]) =>
    setDraft((current) => (current ? { ...current, [key]: value } : current));
  const move = (channel: Channel, by: -1 | 1) => {
    const order = [...draft.channelOrder];
    const at = order.indexOf(channel);
    const to = at + by;
    if (at < 0 || to < 0 || to >= order.length) return;
    [order[at], order[to]] = [order[to]!, order[at]!];
    set('channelOrder', order);
  };
  const ordered = [
    ...draft.channelOrder,
    ...allChannels.filter((channel) => !draft.channelOrder.includes(channel)),
  ];
  const isDirty = JSON.stringify(fromDraft(draft)) !== JSON.stringify(settings.data);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = ZProactiveSettings.safeParse(fromDraft(draft));
    if (!parsed.success) {
      const found: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const key = issue.path.map(String).join('.');
        found[key] ??= key.startsWith('quietHours')
          ? 'Use times of day like 21:00.'
          : key === 'maxPerDay'
            ? 'Between 1 and 50 messages a day.'
            : issue.message;
      }
      setErrors(found);
      return;
    }
    setErrors({});
    save.mutate(parsed.data, { onSuccess: () => notify('Proactive settings saved.') });
  };

  return (
    <section className="card proactive-settings" aria-labelledby={`${id}-title`}>
      <div className="card__header">
        <div>
          <h2 id={`${id}-title`} className="card__title">
            Proactive messages
          </h2>
          <p className="card__description">
            Rules for every message a program sends on its own, in each member’s time zone. A member’s own
            quiet hours win.
          </p>
        </div>
      </div>
      <form className="form" onSubmit={onSubmit} noValidate>
        <fieldset className="proactive-settings__grid" disabled={!canEdit}>
          <fieldset className="step-fieldset">
            <legend className="field__label">Quiet hours</legend>
            <label className="checkbox-field">
              <input
                type="checkbox"
                checked={draft.hasQuietHours}
                onChange={(event) => set('hasQuietHours', event.target.checked)}
              />
              <span>Hold messages during quiet hours</span>
            </label>
            {draft.hasQuietHours ? (
              <div className="step-fieldset--inline">
                <TextField
                  label="From"
                  type="time"
                  value={draft.quietStart}
                  error={errors['quietHours.start']}
                  onChange={(event) => set('quietStart', event.target.value)}
                />
                <TextField
                  label="Until"
                  type="time"
                  value={draft.quietEnd}
                  error={errors['quietHours.end']}
                  onChange={(event) => set('quietEnd', event.target.value)}
                />
              </div>
            ) : null}
          </fieldset>
          <NumberField
            label="At most, per member and day"
            min={1}
            max={50}
            value={draft.maxPerDay}
            error={errors.maxPerDay}
            hint="Proactive messages only; answers to the member are never held."
            onChange={(value) => set('maxPerDay', value ?? Number.NaN)}
          />
          <fieldset className="step-fieldset">
            <legend className="field__label">Channel order</legend>
            <p className="field__hint">
              A step on “best available” uses the first channel the member can be reached on.
            </p>
            <ol className="channel-order">
              {ordered.map((channel) => {
                const position = draft.channelOrder.indexOf(channel);
                const isUsed = position >= 0;
                return (
                  <li key={channel} className="channel-order__item">
                    <label className="checkbox-field">
                      <input
                        type="checkbox"
                        checked={isUsed}
                        onChange={(event) =>
                          set(
                            'channelOrder',
                            event.target.checked
                              ? [...draft.channelOrder, channel]
                              : draft.channelOrder.filter((candidate) => candidate !== channel),
                          )
                        }
                      />
                      <span>{channelNames[channel]}</span>
                    </label>
                    <span className="channel-order__moves">
                      <button
                        type="button"
                        className="button button--compact"
                        disabled={!isUsed || position === 0}
                        onClick={() => move(channel, -1)}
                        aria-label={`Move ${channelNames[channel]} up`}
                      >
                        ↑
                      </button>
                      <button
                        type="button"
                        className="button button--compact"
                        disabled={!isUsed || position === draft.channelOrder.length - 1}
                        onClick={() => move(channel, 1)}
                        aria-label={`Move ${channelNames[channel]} down`}
                      >
                        ↓
                      </button>
                    </span>
                  </li>
                );
              })}
            </ol>
          </fieldset>
          <div className="proactive-settings__keywords">
            <ListField
              label="Unsubscribe keywords"
              separator="comma"
              value={draft.unsubscribeKeywords}
              hint="A member who writes one of these gets no more proactive messages."
              error={errors.unsubscribeKeywords}
              onChange={(value) => set('unsubscribeKeywords', value)}
            />
            <ListField
              label="Resubscribe keywords"
              separator="comma"
              value={draft.resubscribeKeywords}
              hint="And one of these turns them back on."
              error={errors.resubscribeKeywords}
              onChange={(value) => set('resubscribeKeywords', value)}
            />
          </div>
        </fieldset>
        <FormError error={save.error} />
        {!canEdit ? <p className="field__hint">{disabledHint}</p> : null}
        <div className="card__actions">
          <button
            type="submit"
            className="button button--primary"
            disabled={!canEdit || !isDirty || save.isPending}
          >
            {save.isPending ? <Spinner /> : null}
            Save proactive settings
          </button>
        </div>
      </form>
    </section>
  );
};
