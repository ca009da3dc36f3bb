import type { ReactNode } from 'react';
import { formatDate, formatDateTime, formatRelative } from '../../../lib/date-format';
import { Dialog } from '../../../ui/dialog';
import { FormError, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import {
  connectionStatusLabels,
  settingText,
  type TChannelConnection,
  type TConnectionStatus,
  useDeleteConnection,
} from '../channels.api';

const statusTones: Record<TConnectionStatus, string> = {
  active: 'ready',
  error: 'failed',
  disabled: 'dismissed',
};

/** "WhatsApp number 106540352242922", "@ana_runs_bot": how a person recognises a connection. */
export const connectionName = (connection: TChannelConnection): string => {
  if (connection.channel === 'whatsapp') {
    const phoneNumberId = settingText(connection, 'phoneNumberId');
    return phoneNumberId ? `WhatsApp number ${phoneNumberId}` : 'WhatsApp number';
  }
  const username = settingText(connection, 'botUsername');
  return username ? `@${username.replace(/^@/, '')}` : 'Telegram bot';
};

export const ConnectionStatusBadge = ({ status }: { status: TConnectionStatus }) => (
  <span className={`badge badge--status badge--${statusTones[status]}`}>
    {connectionStatusLabels[status]}
  </span>
);

/**
 * One channel's connections: name, status, the details `renderDetails` adds, when it was last heard from, the
 * last error, and a disconnect button for those allowed to use it.
 */
export const ConnectionList = ({
  connections,
  label,
  canManage,
  disabledHint,
  onDisconnect,
  renderTitle,
  renderDetails,
}: {
  connections: TChannelConnection[];
  label: string;
  canManage: boolean;
  disabledHint: string;
  onDisconnect: (connection: TChannelConnection) => void;
  renderTitle?: (connection: TChannelConnection) => ReactNode;
  renderDetails?: (connection: TChannelConnection) => ReactNode;
}) => (
  <ul className="connection-list" aria-label={label}>
    {connections.map((connection) => (
      <li key={connection.id} className="connection">
        <div className="connection__head">
          <span className="connection__name">{renderTitle?.(connection) ?? connectionName(connection)}</span>
          <ConnectionStatusBadge status={connection.status} />
          <button
            type="button"
            className="button button--danger-outline button--compact connection__disconnect"
            disabled={!canManage}
            title={canManage ? undefined : disabledHint}
            aria-label={`Disconnect ${connectionName(connection)}`}
            onClick={() => onDisconnect(connection)}
          >
            Disconnect
          </button>
        </div>
        <dl className="details connection__details">
          {renderDetails?.(connection)}
          <div>
            <dt>Last message</dt>
            <dd title={connection.lastEventAt ? formatDateTime(connection.lastEventAt) : undefined}>
              {connection.lastEventAt ? formatRelative(connection.lastEventAt) : 'None yet'}
            </dd>
          </div>
          <div>
            <dt>Connected</dt>
            <dd>{formatDate(connection.createdAt)}</dd>
          </div>
        </dl>
        {connection.lastError ? (
          <p className="connection__error">
            <strong>Last error:</strong> {connection.lastError}
          </p>
        ) : null}
      </li>
    ))}
  </ul>
);

const disconnectConsequences: Record<TChannelConnection['channel'], string> = {
  whatsapp:
    'Messages to this number stop reaching your coach, and replies stop going out through it. Its access token and app secret are forgotten: connecting it again needs them anew.',
  telegram:
    'Telegram is told to stop sending this bot’s messages here, and replies stop going out through it. Connecting it again needs its token from @BotFather.',
};

/** Confirms before a connection is removed; the conversations it carried stay with their members. */
export const DisconnectDialog = ({
  connection,
  onClose,
}: {
  connection: TChannelConnection | null;
  onClose: () => void;
}) => {
  const remove = useDeleteConnection();
  const notify = useToast();
  const close = () => {
    remove.reset();
    onClose();
  };
  return (
    <Dialog
      isOpen={connection !== null}
      onClose={close}
      tone="danger"
      title={`Disconnect ${connection ? connectionName(connection) : 'this channel'}?`}
      footer={
        <>
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button
            type="button"
            className="button button--danger"
            disabled={remove.isPending}
            onClick={() => {
              if (!connection) return;
              remove.mutate(connection.id, {
                onSuccess: () => {
                  notify(`${connectionName(connection)} was disconnected.`);
                  close();
                },
              });
            }}
          >
            {remove.isPending ? <Spinner /> : null}
            Disconnect
          </button>
        </>
      }
    >
      {connection ? <p>{disconnectConsequences[connection.channel]}</p> : null}
      <p>Past conversations stay with your members.</p>
      <FormError error={remove.error} />
    </Dialog>
  );
};
