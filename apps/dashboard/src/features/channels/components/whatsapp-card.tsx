import { useId, useState } from 'react';
import { EmptyState } from '../../../ui/states';
import { settingText, type TChannelConnection, templateOf } from '../channels.api';
import { ConnectionList } from './connection-list';
import { CopyableValue } from './copy-button';
import { WhatsAppConnectForm } from './whatsapp-connect-form';

/** What is left to do in Meta once the number is connected: Meta must be told where to send messages. */
const WebhookSetup = ({ webhookUrl, onDone }: { webhookUrl: string; onDone: () => void }) => {
  const id = useId();
  return (
    <section className="setup-result" aria-labelledby={`${id}-title`}>
      <h3 className="setup-result__title" id={`${id}-title`}>
        Number connected. One step left, in Meta:
      </h3>
      <ol className="setup-steps">
        <li>
          In the Meta App Dashboard → WhatsApp → Configuration, set <strong>Callback URL</strong> to
          <CopyableValue value={webhookUrl} label="callback URL" />
        </li>
        <li>
          Set <strong>Verify token</strong> to the one you chose here, then Verify and save.
        </li>
        <li>
          Under Webhook fields, subscribe to <code>messages</code>.
        </li>
      </ol>
      <p className="muted">
        Send a message to the number from your phone: it appears under Members, and your coach answers.
      </p>
      <div className="card__actions card__actions--start">
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
};

/** WhatsApp Business numbers: the connected ones, and connecting another. */
export const WhatsAppCard = ({
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
  const [created, setCreated] = useState<{ webhookUrl: string } | null>(null);
  return (
    <section className="card channel-card" aria-labelledby={`${id}-title`}>
      <header className="card__header">
        <div>
          <h2 className="card__title" id={`${id}-title`}>
            WhatsApp
          </h2>
          <p className="card__description">
            Members message your WhatsApp Business number and your coach answers there (Meta’s Cloud API).
          </p>
        </div>
        {!isConnecting ? (
          <button
            type="button"
            className="button button--primary button--compact"
            disabled={!canManage}
            title={canManage ? undefined : disabledHint}
            onClick={() => {
              setCreated(null);
              setIsConnecting(true);
            }}
          >
            Connect WhatsApp
          </button>
        ) : null}
      </header>

      {created ? <WebhookSetup webhookUrl={created.webhookUrl} onDone={() => setCreated(null)} /> : null}

      {connections.length > 0 ? (
        <ConnectionList
          connections={connections}
          label="WhatsApp numbers"
          canManage={canManage}
          disabledHint={disabledHint}
          onDisconnect={onDisconnect}
          renderDetails={(connection) => {
            const template = templateOf(connection);
            return (
              <>
                <div className="connection__wide">
                  <dt>Callback URL</dt>
                  <dd>
                    <CopyableValue
                      value={connection.webhookUrl}
                      label={`callback URL of ${settingText(connection, 'phoneNumberId') ?? 'this number'}`}
                    />
                  </dd>
                </div>
                <div>
                  <dt>API version</dt>
                  <dd>{settingText(connection, 'apiVersion') ?? 'Default'}</dd>
                </div>
                <div>
                  <dt>Template</dt>
                  <dd>{template ? `${template.name} (${template.language})` : 'None'}</dd>
                </div>
              </>
            );
          }}
        />
      ) : !isConnecting && !created ? (
        <EmptyState title="No WhatsApp number connected" icon="chat">
          <p>
            Connect a number to let members write to your coach on WhatsApp. You need a Meta app with the
            WhatsApp product and a business phone number.
          </p>
        </EmptyState>
      ) : null}

      {isConnecting ? (
        <WhatsAppConnectForm
          onConnected={(result) => {
            setIsConnecting(false);
            setCreated(result);
          }}
          onCancel={() => setIsConnecting(false)}
        />
      ) : null}
      {!canManage ? <p className="field__hint">{disabledHint}</p> : null}
    </section>
  );
};
