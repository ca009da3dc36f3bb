import { type FormEvent, useState } from 'react';
import { fieldErrorsOf } from '../../../api/api-error';
import { TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useConnectWhatsApp, type WhatsAppConnectionInput } from '../channels.api';
import { SecretField } from './secret-field';

type Draft = {
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  apiVersion: string;
  templateName: string;
  templateLanguage: string;
  apiBaseUrl: string;
};

const emptyDraft: Draft = {
  phoneNumberId: '',
  accessToken: '',
  appSecret: '',
  verifyToken: '',
  apiVersion: '',
  templateName: '',
  templateLanguage: '',
  apiBaseUrl: '',
};

const isHttpUrl = (value: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** The rules of `ZWhatsAppConnectionInput`, said in words next to each field. */
export const validateWhatsApp = (draft: Draft): Partial<Record<keyof Draft, string>> => {
  const problems: Partial<Record<keyof Draft, string>> = {};
  const phoneNumberId = draft.phoneNumberId.trim();
  if (!phoneNumberId) problems.phoneNumberId = 'Enter the phone number ID from Meta’s API Setup page.';
  else if (phoneNumberId.startsWith('+'))
    problems.phoneNumberId =
      'That is the phone number itself; Meta shows a separate numeric Phone number ID.';
  else if (!/^\d{5,32}$/.test(phoneNumberId))
    problems.phoneNumberId = 'The phone number ID is digits only (5 to 32 of them).';
  if (draft.accessToken.trim().length < 10 || draft.accessToken.trim().length > 1000)
    problems.accessToken = 'Paste the access token from Meta (a long string of letters and digits).';
  if (draft.appSecret.trim().length < 8 || draft.appSecret.trim().length > 200)
    problems.appSecret = 'Paste the app secret from App settings → Basic (at least 8 characters).';
  if (draft.verifyToken.length < 8) problems.verifyToken = 'Make up a verify token of at least 8 characters.';
  else if (draft.verifyToken.length > 200)
    problems.verifyToken = 'Keep the verify token under 200 characters.';
  if (draft.apiVersion.trim() && !/^v\d+\.\d+$/.test(draft.apiVersion.trim()))
    problems.apiVersion = 'Write the Graph API version like v21.0.';
  const templateLanguage = draft.templateLanguage.trim();
  if (templateLanguage && !draft.templateName.trim())
    problems.templateName = 'Name the template the language belongs to, or clear the language.';
  else if (draft.templateName.trim().length > 512)
    problems.templateName = 'A template name is shorter than that.';
  if (templateLanguage && (templateLanguage.length < 2 || templateLanguage.length > 15))
    problems.templateLanguage = 'Use the template’s language code, such as en or es_ES.';
  const apiBaseUrl = draft.apiBaseUrl.trim();
  if (apiBaseUrl && (!isHttpUrl(apiBaseUrl) || apiBaseUrl.length > 500))
    problems.apiBaseUrl = 'Use a full address such as https://graph.facebook.com, or leave it empty.';
  return problems;
};

const toInput = (draft: Draft): WhatsAppConnectionInput => ({
  phoneNumberId: draft.phoneNumberId.trim(),
  accessToken: draft.accessToken.trim(),
  appSecret: draft.appSecret.trim(),
  verifyToken: draft.verifyToken,
  ...(draft.apiVersion.trim() ? { apiVersion: draft.apiVersion.trim() } : {}),
  ...(draft.templateName.trim()
    ? { template: { name: draft.templateName.trim(), language: draft.templateLanguage.trim() || 'en' } }
    : {}),
  ...(draft.apiBaseUrl.trim() ? { apiBaseUrl: draft.apiBaseUrl.trim() } : {}),
});

/**
 * Connects a WhatsApp Business number (Meta's Cloud API). The credentials leave the page with the request and
 * are cleared from it as soon as the server has them.
 */
export const WhatsAppConnectForm = ({
  onConnected,
  onCancel,
}: {
  onConnected: (created: { id: string; webhookUrl: string }) => void;
  onCancel: () => void;
}) => {
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [problems, setProblems] = useState<Partial<Record<keyof Draft, string>>>({});
  const connect = useConnectWhatsApp();
  const set = (key: keyof Draft) => (value: string) => setDraft((current) => ({ ...current, [key]: value }));
  const serverErrors = fieldErrorsOf(connect.error);
  const errorOf = (key: keyof Draft) => problems[key] ?? serverErrors[key];

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateWhatsApp(draft);
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    connect.mutate(toInput(draft), {
      onSuccess: (created) => {
        setDraft(emptyDraft);
        onConnected(created);
      },
    });
  };

  return (
    <form className="form connect-form" onSubmit={onSubmit} noValidate aria-busy={connect.isPending}>
      <h3 className="card__subtitle">Connect a WhatsApp number</h3>
      <p className="muted">
        You need a Meta app with the WhatsApp product and a business phone number. Everything below is in the{' '}
        <a href="https://developers.facebook.com/apps/" target="_blank" rel="noreferrer">
          Meta App Dashboard
        </a>
        .
      </p>
      <div className="connect-form__row">
        <TextField
          label="Phone number ID"
          name="phoneNumberId"
          inputMode="numeric"
          autoComplete="off"
          maxLength={32}
          value={draft.phoneNumberId}
          hint="WhatsApp → API Setup, under the number: digits only, not the phone number."
          onChange={(event) => set('phoneNumberId')(event.target.value)}
          error={errorOf('phoneNumberId')}
        />
        <SecretField
          label="Access token"
          name="accessToken"
          value={draft.accessToken}
          onChange={set('accessToken')}
          hint="A permanent token of a system user with the whatsapp_business_messaging permission; the temporary one expires within a day."
          error={errorOf('accessToken')}
        />
      </div>
      <div className="connect-form__row">
        <SecretField
          label="App secret"
          name="appSecret"
          value={draft.appSecret}
          onChange={set('appSecret')}
          hint="App settings → Basic. Every webhook Meta sends is checked against it."
          error={errorOf('appSecret')}
        />
        <SecretField
          label="Verify token"
          name="verifyToken"
          value={draft.verifyToken}
          onChange={set('verifyToken')}
          hint="Make one up (8 characters or more) and keep it at hand: you type the same in Meta’s webhook settings."
          error={errorOf('verifyToken')}
        />
      </div>
      <details className="advanced">
        <summary className="advanced__summary">Advanced: API version, message template, API address</summary>
        <div className="advanced__body">
          <TextField
            label="Graph API version"
            name="apiVersion"
            isOptional
            placeholder="v21.0"
            spellCheck={false}
            autoCapitalize="none"
            value={draft.apiVersion}
            hint="Empty uses the server’s default."
            onChange={(event) => set('apiVersion')(event.target.value)}
            error={errorOf('apiVersion')}
          />
          <div className="connect-form__row">
            <TextField
              label="Template name"
              name="templateName"
              isOptional
              spellCheck={false}
              autoCapitalize="none"
              value={draft.templateName}
              hint="An approved template with one body parameter. More than 24 hours after a member last wrote, WhatsApp delivers only templates: with one, the coach’s message goes out in it; without, it waits until the member writes again."
              onChange={(event) => set('templateName')(event.target.value)}
              error={errorOf('templateName') ?? serverErrors.template}
            />
            <TextField
              label="Template language"
              name="templateLanguage"
              isOptional
              placeholder="en"
              spellCheck={false}
              autoCapitalize="none"
              value={draft.templateLanguage}
              hint="As approved in Meta, such as en or es_ES."
              onChange={(event) => set('templateLanguage')(event.target.value)}
              error={errorOf('templateLanguage')}
            />
          </div>
          <TextField
            label="API address"
            name="apiBaseUrl"
            type="url"
            inputMode="url"
            isOptional
            spellCheck={false}
            autoCapitalize="none"
            placeholder="https://graph.facebook.com"
            value={draft.apiBaseUrl}
            hint="Only for a proxy or a test server."
            onChange={(event) => set('apiBaseUrl')(event.target.value)}
            error={errorOf('apiBaseUrl')}
          />
        </div>
      </details>
      <FormError error={connect.error} />
      <div className="card__actions">
        <button type="button" className="button button--ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={connect.isPending}>
          {connect.isPending ? <Spinner /> : null}
          Connect number
        </button>
      </div>
    </form>
  );
};
