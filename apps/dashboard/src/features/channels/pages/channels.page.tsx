import { useState } from 'react';
import { PageHeader } from '../../../ui/page-header';
import { ErrorState, LoadingState } from '../../../ui/states';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import { type TChannelConnection, useChannels } from '../channels.api';
import { DisconnectDialog } from '../components/connection-list';
import { OutboundMessages } from '../components/outbound-messages';
import { TelegramCard } from '../components/telegram-card';
import { WhatsAppCard } from '../components/whatsapp-card';
import { WidgetCard } from '../components/widget-card';

export const ChannelsPage = () => {
  useDocumentTitle('Channels');
  const { role } = useClaims();
  const canManage = useCan('manageChannels');
  const disabledHint = permissionHint('manageChannels', role);
  const channels = useChannels();
  const [toDisconnect, setToDisconnect] = useState<TChannelConnection | null>(null);
  const ofChannel = (channel: TChannelConnection['channel']) =>
    channels.data?.items.filter((connection) => connection.channel === channel) ?? [];

  return (
    <div className="page">
      <PageHeader
        title="Channels"
        description="Where members reach your coach: your website, WhatsApp and Telegram, and the messages on their way out."
      />
      {!canManage ? (
        <p className="notice notice--info">
          You have the {role} role: you can see how the channels are set up and what is being sent.
          Connecting, changing or removing channels and retrying messages needs an admin.
        </p>
      ) : null}
      {channels.isPending ? (
        <LoadingState label="Loading channels…" />
      ) : channels.isError ? (
        <ErrorState
          error={channels.error}
          title="Channels could not be loaded"
          onRetry={() => channels.refetch()}
        />
      ) : (
        <>
          <WidgetCard widget={channels.data.widget} canManage={canManage} disabledHint={disabledHint} />
          <div className="channels-grid">
            <WhatsAppCard
              connections={ofChannel('whatsapp')}
              canManage={canManage}
              disabledHint={disabledHint}
              onDisconnect={setToDisconnect}
            />
            <TelegramCard
              connections={ofChannel('telegram')}
              canManage={canManage}
              disabledHint={disabledHint}
              onDisconnect={setToDisconnect}
            />
          </div>
        </>
      )}
      <OutboundMessages canManage={canManage} disabledHint={disabledHint} />
      <DisconnectDialog connection={toDisconnect} onClose={() => setToDisconnect(null)} />
    </div>
  );
};
