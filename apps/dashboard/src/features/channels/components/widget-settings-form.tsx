import { type FormEvent, useEffect, useId, useState } from 'react';
import { fieldErrorsOf } from '../../../api/api-error';
import { Field, SelectField, TextAreaField, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { type OriginProblem, parseAllowedOrigins } from '../allowed-origins';
import {
  type TWidgetSettings,
  type TWidgetTheme,
  useSaveWidgetSettings,
  type WidgetSettingsInput,
} from '../channels.api';
import { isHexColor, positionLabels, WidgetPreview } from './widget-preview';

type Draft = Omit<TWidgetTheme, 'avatarUrl'> & { avatarUrl: string; origins: string };
type ThemeProblems = Partial<Record<Exclude<keyof Draft, 'origins'>, string>>;

const toDraft = (widget: TWidgetSettings): Draft => ({
  ...widget.theme,
  avatarUrl: widget.theme.avatarUrl ?? '',
  origins: widget.allowedOrigins.join('\n'),
});

const toInput = (draft: Draft, allowedOrigins: string[]): WidgetSettingsInput => ({
  theme: {
    primaryColor: draft.primaryColor.trim().toLowerCase(),
    position: draft.position,
    title: draft.title.trim(),
    avatarUrl: draft.avatarUrl.trim() || null,
    greeting: draft.greeting.trim(),
  },
  allowedOrigins,
});

/** The theme rules of the API's contract (`ZWidgetTheme`), said in words next to each field. */
export const validateTheme = (draft: Draft): ThemeProblems => {
  const problems: ThemeProblems = {};
  if (!isHexColor(draft.primaryColor.trim())) problems.primaryColor = 'Use a colour written like #4f46e5.';
  if (!draft.title.trim()) problems.title = 'Give the chat a title; visitors see it at the top.';
  else if (draft.title.trim().length > 60) problems.title = 'Keep the title under 60 characters.';
  const avatarUrl = draft.avatarUrl.trim();
  if (avatarUrl && !/^https?:\/\/\S+$/i.test(avatarUrl))
    problems.avatarUrl = 'Use the full address of an image, starting with https://.';
  else if (avatarUrl.length > 2000)
    problems.avatarUrl = 'That address is too long (2,000 characters at most).';
  if (draft.greeting.trim().length > 500) problems.greeting = 'Keep the greeting under 500 characters.';
  return problems;
};

const positions = Object.keys(positionLabels) as TWidgetTheme['position'][];

/** How the widget looks and which sites may embed it. Admins save; everyone else reads it locked. */
export const WidgetSettingsForm = ({
  widget,
  canManage,
  disabledHint,
}: {
  widget: TWidgetSettings;
  canManage: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => toDraft(widget));
  const [problems, setProblems] = useState<ThemeProblems>({});
  const [originProblems, setOriginProblems] = useState<OriginProblem[]>([]);
  const save = useSaveWidgetSettings();
  const notify = useToast();
  // Only a change to what this form saves resets it: rotating the identity secret refreshes the same answer.
  const savedKey = JSON.stringify([widget.theme, widget.allowedOrigins]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: savedKey stands for the parts of widget it reads
  useEffect(() => setDraft(toDraft(widget)), [savedKey]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((current) => ({ ...current, [key]: value }));
  const parsed = parseAllowedOrigins(draft.origins);
  const isDirty =
    JSON.stringify(toInput(draft, parsed.origins)) !==
      JSON.stringify(toInput(toDraft(widget), widget.allowedOrigins)) || parsed.problems.length > 0;
  const serverErrors = fieldErrorsOf(save.error);
  const errorOf = (key: keyof ThemeProblems) => problems[key] ?? null;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateTheme(draft);
    setProblems(found);
    setOriginProblems(parsed.problems);
    if (Object.keys(found).length > 0 || parsed.problems.length > 0 || !isDirty) return;
    save.mutate(toInput(draft, parsed.origins), {
      onSuccess: () => notify('Widget saved. Pages that embed it show the change on their next load.'),
    });
  };

  const originsListId = `${id}-origin-problems`;
  const hasOriginErrors = originProblems.length > 0 || Boolean(serverErrors.allowedOrigins);

  return (
    <form className="form widget-settings" onSubmit={onSubmit} noValidate aria-busy={save.isPending}>
      <h3 className="card__subtitle">Appearance</h3>
      <div className="widget-settings__appearance">
        <div className="widget-settings__fields">
          <Field
            label="Launcher colour"
            hint="The button and the visitor’s messages."
            error={errorOf('primaryColor')}
          >
            {(control) => (
              <div className="color-field">
                <input
                  className="color-field__swatch"
                  type="color"
                  aria-label="Pick the launcher colour"
                  value={
                    isHexColor(draft.primaryColor.trim())
                      ? draft.primaryColor.trim().toLowerCase()
                      : '#4f46e5'
                  }
                  disabled={!canManage}
                  onChange={(event) => set('primaryColor', event.target.value)}
                />
                <input
                  {...control}
                  className="input color-field__hex"
                  name="primaryColor"
                  maxLength={7}
                  spellCheck={false}
                  autoCapitalize="none"
                  value={draft.primaryColor}
                  readOnly={!canManage}
                  onChange={(event) => set('primaryColor', event.target.value)}
                />
              </div>
            )}
          </Field>
          <SelectField
            label="Position"
            name="position"
            value={draft.position}
            disabled={!canManage}
            onChange={(event) => set('position', event.target.value as TWidgetTheme['position'])}
          >
            {positions.map((position) => (
              <option key={position} value={position}>
                {positionLabels[position]}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Title"
            name="title"
            maxLength={60}
            value={draft.title}
            readOnly={!canManage}
            hint="At the top of the open chat."
            onChange={(event) => set('title', event.target.value)}
            error={errorOf('title')}
          />
          <TextField
            label="Avatar URL"
            name="avatarUrl"
            type="url"
            inputMode="url"
            isOptional
            maxLength={2000}
            spellCheck={false}
            autoCapitalize="none"
            placeholder="https://example.com/coach.png"
            value={draft.avatarUrl}
            readOnly={!canManage}
            hint="A square image next to the title; the title’s first letter when empty."
            onChange={(event) => set('avatarUrl', event.target.value)}
            error={errorOf('avatarUrl')}
          />
          <TextAreaField
            label="Greeting"
            name="greeting"
            rows={2}
            maxLength={500}
            value={draft.greeting}
            readOnly={!canManage}
            hint="Shown above the conversation before the visitor writes."
            onChange={(event) => set('greeting', event.target.value)}
            error={errorOf('greeting')}
          />
        </div>
        <WidgetPreview theme={draft} />
      </div>
      {serverErrors.theme ? <p className="field__error">{serverErrors.theme.join(' ')}</p> : null}

      <h3 className="card__subtitle">Where it may run</h3>
      <Field
        label="Allowed origins"
        hint={
          <>
            One per line, such as <code>https://www.example.com</code> or <code>http://localhost:3000</code>:
            scheme, host and port, no path. Only pages on these origins can open chats; with none, the widget
            works nowhere.
          </>
        }
      >
        {(control) => (
          <textarea
            {...control}
            className="input textarea widget-settings__origins"
            name="allowedOrigins"
            rows={4}
            spellCheck={false}
            autoCapitalize="none"
            placeholder="https://www.example.com"
            value={draft.origins}
            readOnly={!canManage}
            aria-describedby={
              [control['aria-describedby'], hasOriginErrors ? originsListId : null]
                .filter(Boolean)
                .join(' ') || undefined
            }
            aria-invalid={hasOriginErrors || undefined}
            onChange={(event) => set('origins', event.target.value)}
          />
        )}
      </Field>
      {hasOriginErrors ? (
        <ul
          className="field__error origin-problems"
          id={originsListId}
          aria-label="Problems with the origins"
        >
          {originProblems.map((problem) => (
            <li key={`${problem.line}-${problem.value}`}>
              {problem.line > 0 ? (
                <>
                  Line {problem.line} (<code>{problem.value}</code>): {problem.message}
                </>
              ) : (
                problem.message
              )}
            </li>
          ))}
          {(serverErrors.allowedOrigins ?? []).map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}

      <FormError error={save.error} />
      {!canManage ? <p className="field__hint">{disabledHint}</p> : null}
      <div className="card__actions">
        {isDirty && canManage ? (
          <button
            type="button"
            className="button button--ghost"
            onClick={() => {
              setDraft(toDraft(widget));
              setProblems({});
              setOriginProblems([]);
            }}
          >
            Undo changes
          </button>
        ) : null}
        <button
          type="submit"
          className="button button--primary"
          disabled={!canManage || !isDirty || save.isPending}
        >
          {save.isPending ? <Spinner /> : null}
          Save widget
        </button>
      </div>
    </form>
  );
};
