import { type FormEvent, useEffect, useId, useState } from 'react';
import { fieldErrorsOf } from '../../../api/api-error';
import { Field, SelectField, TextAreaField, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { type TCoachPersona, useSaveCoachPersona } from '../coach.api';

const languages: Record<string, string> = {
  en: 'English',
  es: 'Spanish',
  pt: 'Portuguese',
  fr: 'French',
  de: 'German',
  it: 'Italian',
  ca: 'Catalan',
  nl: 'Dutch',
};

// BCP 47 in the shape the API accepts (2–10 characters): "en", "es", "pt-BR".
const languageTag = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

type Draft = Omit<TCoachPersona, 'model'> & { model: string };

const toDraft = (persona: TCoachPersona): Draft => ({ ...persona, model: persona.model ?? '' });

const toPersona = (draft: Draft): TCoachPersona => ({
  name: draft.name.trim(),
  instructions: draft.instructions,
  tone: draft.tone.trim(),
  language: draft.language.trim(),
  model: draft.model.trim() || null,
  temperature: draft.temperature,
  fallbackMessage: draft.fallbackMessage.trim(),
  welcomeMessage: draft.welcomeMessage.trim(),
});

/** The same rules as the API's contract, said in words next to each field. */
export const validatePersona = (draft: Draft): Partial<Record<keyof Draft, string>> => {
  const problems: Partial<Record<keyof Draft, string>> = {};
  if (!draft.name.trim()) problems.name = 'Give your coach a name; members see it.';
  else if (draft.name.trim().length > 80) problems.name = 'Keep the name under 80 characters.';
  if (draft.tone.trim().length > 80) problems.tone = 'Describe the tone in under 80 characters.';
  if (!languageTag.test(draft.language.trim()) || draft.language.trim().length > 10)
    problems.language = 'Use a language code such as en, es or pt-BR.';
  if (draft.model.trim().length > 120) problems.model = 'A model name has at most 120 characters.';
  if (!(draft.temperature >= 0 && draft.temperature <= 2))
    problems.temperature = 'Choose a value between 0 and 2.';
  if (draft.instructions.length > 8000)
    problems.instructions = `Keep the instructions under 8,000 characters (now ${draft.instructions.length.toLocaleString()}).`;
  if (!draft.welcomeMessage.trim()) problems.welcomeMessage = 'Write the greeting members see first.';
  else if (draft.welcomeMessage.trim().length > 2000)
    problems.welcomeMessage = 'Keep the greeting under 2,000 characters.';
  if (!draft.fallbackMessage.trim())
    problems.fallbackMessage = 'Write what the coach says when your knowledge does not cover a question.';
  else if (draft.fallbackMessage.trim().length > 2000)
    problems.fallbackMessage = 'Keep this message under 2,000 characters.';
  return problems;
};

const temperatureWord = (value: number) =>
  value <= 0.3 ? 'steady and literal' : value <= 0.9 ? 'balanced' : value <= 1.4 ? 'varied' : 'very free';

/** Who the coach is and how it answers. Editors save; everyone else reads it with the fields locked. */
export const PersonaForm = ({
  persona,
  canEdit,
  disabledHint,
}: {
  persona: TCoachPersona;
  canEdit: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => toDraft(persona));
  const [problems, setProblems] = useState<Partial<Record<keyof Draft, string>>>({});
  const save = useSaveCoachPersona();
  const notify = useToast();
  useEffect(() => setDraft(toDraft(persona)), [persona]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((current) => ({ ...current, [key]: value }));
  const isDirty = JSON.stringify(toPersona(draft)) !== JSON.stringify(toPersona(toDraft(persona)));
  const serverErrors = fieldErrorsOf(save.error);
  const errorOf = (key: keyof Draft) => problems[key] ?? serverErrors[key];
  const languageOptions = languages[draft.language]
    ? languages
    : { ...languages, [draft.language]: draft.language };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validatePersona(draft);
    setProblems(found);
    if (Object.keys(found).length > 0 || !isDirty) return;
    save.mutate(toPersona(draft), { onSuccess: () => notify('Coach saved. New answers follow it at once.') });
  };

  return (
    <form className="card form persona-form" onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`}>
      <header>
        <h2 className="card__title" id={`${id}-title`}>
          Persona
        </h2>
        <p className="card__description">Who your coach is and how it answers, on every channel.</p>
      </header>
      <div className="persona-form__row">
        <TextField
          label="Name"
          name="name"
          maxLength={80}
          value={draft.name}
          readOnly={!canEdit}
          hint="How the coach introduces itself."
          onChange={(event) => set('name', event.target.value)}
          error={errorOf('name')}
        />
        <TextField
          label="Tone"
          name="tone"
          maxLength={80}
          value={draft.tone}
          readOnly={!canEdit}
          placeholder="warm, encouraging, direct"
          onChange={(event) => set('tone', event.target.value)}
          error={errorOf('tone')}
        />
      </div>
      <div className="persona-form__row">
        <SelectField
          label="Language"
          name="language"
          value={draft.language}
          disabled={!canEdit}
          hint="Answers are written in it, and search matches its word forms."
          onChange={(event) => set('language', event.target.value)}
          error={errorOf('language')}
        >
          {Object.entries(languageOptions).map(([code, label]) => (
            <option key={code} value={code}>
              {label} ({code})
            </option>
          ))}
        </SelectField>
        <TextField
          label="Model"
          name="model"
          isOptional
          maxLength={120}
          value={draft.model}
          readOnly={!canEdit}
          spellCheck={false}
          autoCapitalize="none"
          placeholder="Default"
          hint="A model of the configured provider; empty uses its default."
          onChange={(event) => set('model', event.target.value)}
          error={errorOf('model')}
        />
      </div>
      <Field
        label={
          <>
            Temperature{' '}
            <output className="persona-form__value">
              {draft.temperature.toFixed(1)} · {temperatureWord(draft.temperature)}
            </output>
          </>
        }
        hint="Lower keeps answers close to your materials’ wording; higher words them more freely."
        error={errorOf('temperature')}
      >
        {(control) => (
          <input
            {...control}
            className="range"
            type="range"
            name="temperature"
            min={0}
            max={2}
            step={0.1}
            value={draft.temperature}
            disabled={!canEdit}
            onChange={(event) => set('temperature', Number(event.target.value))}
          />
        )}
      </Field>
      <TextAreaField
        label="Instructions"
        name="instructions"
        rows={6}
        value={draft.instructions}
        readOnly={!canEdit}
        placeholder="Who your members are, what the coach must never do, when it should suggest seeing a professional…"
        hint={`How the coach behaves, in your words. ${draft.instructions.length.toLocaleString()} / 8,000 characters.`}
        onChange={(event) => set('instructions', event.target.value)}
        error={errorOf('instructions')}
      />
      <TextAreaField
        label="Welcome message"
        name="welcomeMessage"
        rows={2}
        maxLength={2000}
        value={draft.welcomeMessage}
        readOnly={!canEdit}
        hint="The first message members see in the website widget and the app."
        onChange={(event) => set('welcomeMessage', event.target.value)}
        error={errorOf('welcomeMessage')}
      />
      <TextAreaField
        label="When the knowledge has no answer"
        name="fallbackMessage"
        rows={2}
        maxLength={2000}
        value={draft.fallbackMessage}
        readOnly={!canEdit}
        hint="Sent instead of a guess. The question then waits for you under Unanswered questions."
        onChange={(event) => set('fallbackMessage', event.target.value)}
        error={errorOf('fallbackMessage')}
      />
      {save.error && Object.keys(serverErrors).length === 0 ? <FormError error={save.error} /> : null}
      {!canEdit ? <p className="field__hint">{disabledHint}</p> : null}
      <div className="card__actions">
        {isDirty && canEdit ? (
          <button
            type="button"
            className="button button--ghost"
            onClick={() => {
              setDraft(toDraft(persona));
              setProblems({});
            }}
          >
            Undo changes
          </button>
        ) : null}
        <button
          type="submit"
          className="button button--primary"
          disabled={!canEdit || !isDirty || save.isPending}
        >
          {save.isPending ? <Spinner /> : null}
          Save coach
        </button>
      </div>
    </form>
  );
};
