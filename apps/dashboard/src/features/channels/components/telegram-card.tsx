import { type FormEvent, useId, useState } from 'react';
import { fieldErrorsOf } from '../../../api/api-error';
import { TextField } from '../../../ui/form-field';
import { EmptyState, FormError, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { settingText, type TChannelConnection, useConnectTelegram } from '../channels.api';
import { ConnectionList, connectionName } from './connection-list';
import { SecretField } from './secret-field';

// The shape of `ZTelegramConnectionInput.botToken`: the bot's numeric id, a colon, then the secret part.
const botTokenPattern = /^\d{3,20}:[A-Za-z0-9_-]{20,100}$/;

const ConnectBotForm = ({ onDone }: { onDone: () => void }) => {
  const [botToken, setBotToken] = useState('');
  const [apiBaseUrl, setApiBaseUrl] = useState('');
  const [problems, setProblems] = useState<{ botToken?: string; apiBaseUrl?: string }>({});
  const connect = useConnectTelegram();
  const notify = useToast();
  const serverErrors = fieldErrorsOf(connect.error);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const token = botToken.trim();
    const found: typeof problems = {};
    if (!token) found.botToken = 'Paste the token @BotFather gave you.';
    else if (!botTokenPattern.test(token))
      found.botToken =
        'That is not a bot token: they look like 123456789:AAH… (digits, a colon, then letters).';
    if (apiBaseUrl.trim() && !/^https?:\/\/\S+$/i.test(apiBaseUrl.trim()))
      found.apiBaseUrl = 'Use a full address such as https://api.telegram.org, or leave it empty.';
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    connect.mutate(
      { botToken: token, ...(apiBaseUrl.trim() ? { apiBaseUrl: apiBaseUrl.trim() } : {}) },
      {
        onSuccess: () => {
          setBotToken('');
          notify('Bot connected. Telegram now sends its messages to your coach.');
          onDone();
        },
      },
    );
  };

  return (
    <form className="form connect-form" onSubmit={onSubmit} noValidate aria-busy={connect.isPending}>
      <h3 className="card__subtitle">Connect a bot</h3>
      <SecretField
        label="Bot token"
        name="botToken"
        value={botToken}
        onChange={setBotToken}
        placeholder="123456789:AA…"
        hint={
          <>
            In Telegram, open{' '}
            <a href="https://t.me/BotFather" target="_blank" rel="noreferrer">
              @BotFather
            </a>
            , send <code>/newbot</code> and follow the steps; it answers with the token. Compañero registers
            the webhook with Telegram for you.
          </>
        }
        error={problems.botToken ?? serverErrors.botToken}
      />
      <details className="advanced">
        <summary className="advanced__summary">Advanced: API address</summary>
        <div className="advanced__body">
          <TextField
            label="API address"
            name="apiBaseUrl"
            type="url"
            inputMode="url"
            isOptional
            spellCheck={false}
            autoCapitalize="none"
            placeholder="https://api.telegram.org"
            value={apiBaseUrl}
            hint="Only for a local Bot API server or a test server."
            onChange={(event) => setApiBaseUrl(event.target.value)}
            error={problems.apiBaseUrl ?? serverErrors.apiBaseUrl}
          />
        </div>
      </details>
      <FormError error={connect.error} />
      <div className="card__actions">
        <button type="button" className="button button--ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={connect.isPending}>
          {connect.isPending ? <Spinner /> : null}
          Connect bot
        </button>
      </div>
    </form>
  );
};

/** Telegram bots: the connected ones, and connecting another with its @BotFather token. */
export const TelegramCard = ({
  connections,
  canManage,
  disabledHint,
  onDisconnect,
}: {
  connections: TChannelConnection[];
  canManage: boolean;
  disabledHint: string;
  onDisconnect: (connection: TChannelConnection) => void;
}) => {
  const id = useId();
  const [isConnecting, setIsConnecting] = useState(false);
  return (
    <section className="card channel-card" aria-labelledby={`${id}-title`}>
      <header className="card__header">
        <div>
          <h2 className="card__title" id={`${id}-title`}>
            Telegram
          </h2>
          <p className="card__description">Members talk to your coach through your own Telegram bot.</p>
        </div>
        {!isConnecting ? (
          <button
            type="button"
            className="button button--primary button--compact"
            disabled={!canManage}
            title={canManage ? undefined : disabledHint}
            onClick={() => setIsConnecting(true)}
          >
            Connect a bot
          </button>
        ) : null}
      </header>

      {connections.length > 0 ? (
        <ConnectionList
          connections={connections}
          label="Telegram bots"
          canManage={canManage}
          disabledHint={disabledHint}
          onDisconnect={onDisconnect}
          renderTitle={(connection) => {
            const username = settingText(connection, 'botUsername')?.replace(/^@/, '');
            return username ? (
              <a href={`https://t.me/${encodeURIComponent(username)}`} target="_blank" rel="noreferrer">
                @{username}
              </a>
            ) : (
              connectionName(connection)
            );
          }}
          renderDetails={(connection) => (
            <div>
              <dt>Bot ID</dt>
              <dd>{settingText(connection, 'botId') ?? '—'}</dd>
            </div>
          )}
        />
      ) : !isConnecting ? (
        <EmptyState title="No Telegram bot connected" icon="send">
          <p>Create a bot with @BotFather in Telegram, then paste its token here.</p>
        </EmptyState>
      ) : null}

      {isConnecting ? <ConnectBotForm onDone={() => setIsConnecting(false)} /> : null}
      {!canManage ? <p className="field__hint">{disabledHint}</p> : null}
    </section>
  );
};
