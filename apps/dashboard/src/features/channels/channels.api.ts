import {
  ZChannelConnection,
  ZCreatedConnection,
  ZDelivery,
  ZDeliveryStatus,
  type ZTelegramConnectionInput,
  type ZWhatsAppConnectionInput,
} from '@companero/contracts/channel/connections';
import { type TWidgetTheme, ZWidgetSettings } from '@companero/contracts/channel/widget';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { useApi } from '../../api/api-context';
import { useCreatorScope } from '../auth/session';

export type { TWidgetTheme };
export type TChannelConnection = z.infer<typeof ZChannelConnection>;
export type TConnectionStatus = TChannelConnection['status'];
export type TWidgetSettings = z.infer<typeof ZWidgetSettings>;
export type TDelivery = z.infer<typeof ZDelivery>;
export type TDeliveryStatus = z.infer<typeof ZDeliveryStatus>;
export type WhatsAppConnectionInput = z.input<typeof ZWhatsAppConnectionInput>;
export type TelegramConnectionInput = z.input<typeof ZTelegramConnectionInput>;
export type WidgetSettingsInput = { theme: TWidgetTheme; allowedOrigins: string[] };

// The API declares these three answers inline in its routes rather than in the contracts; they are rebuilt here
// from the contract's parts, so a drift in a part still shows at once. Move them to the contracts when they land.
const ZChannelsResponse = z.object({ items: z.array(ZChannelConnection), widget: ZWidgetSettings });
const ZDeliveryListResponse = z.object({ items: z.array(ZDelivery), nextCursor: z.string().nullable() });
const ZIdentitySecret = z.object({ secret: z.string().min(1) });

export const deliveryStatuses = ZDeliveryStatus.options;

const channelsKey = (scope: readonly unknown[]) => [...scope, 'channels'] as const;
const overviewKey = (scope: readonly unknown[]) => [...channelsKey(scope), 'overview'] as const;
const deliveriesKey = (scope: readonly unknown[]) => [...channelsKey(scope), 'deliveries'] as const;

/** The connections of every channel and the widget's settings, in one answer. */
export const useChannels = () => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: overviewKey(scope),
    queryFn: ({ signal }) => api.get('/api/hub/channels', { schema: ZChannelsResponse, signal }),
  });
};

export const useConnectWhatsApp = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: WhatsAppConnectionInput) =>
      api.post('/api/hub/channels/whatsapp', input, { schema: ZCreatedConnection }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: overviewKey(scope) }),
  });
};

export const useConnectTelegram = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: TelegramConnectionInput) =>
      api.post('/api/hub/channels/telegram', input, { schema: ZCreatedConnection }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: overviewKey(scope) }),
  });
};

export const useDeleteConnection = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (connectionId: string) =>
      api.delete<void>(`/api/hub/channels/${encodeURIComponent(connectionId)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: overviewKey(scope) }),
  });
};

export const useSaveWidgetSettings = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: WidgetSettingsInput) =>
      api.put('/api/hub/channels/widget', input, { schema: ZWidgetSettings }),
    onSuccess: (widget) =>
      queryClient.setQueryData<z.infer<typeof ZChannelsResponse>>(overviewKey(scope), (current) =>
        current ? { ...current, widget } : current,
      ),
  });
};

/** Makes a new widget identity secret; the old one stops verifying at once. The answer is the only copy. */
export const useRotateIdentitySecret = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api.post('/api/hub/channels/widget/identity-secret', undefined, { schema: ZIdentitySecret }),
    onSuccess: () => {
      queryClient.setQueryData<z.infer<typeof ZChannelsResponse>>(overviewKey(scope), (current) =>
        current ? { ...current, widget: { ...current.widget, identityVerification: true } } : current,
      );
      void queryClient.invalidateQueries({ queryKey: overviewKey(scope) });
    },
  });
};

export const useDeliveries = (status: TDeliveryStatus, cursor: string | null) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...deliveriesKey(scope), status, cursor],
    queryFn: ({ signal }) =>
      api.get('/api/hub/channels/deliveries', {
        schema: ZDeliveryListResponse,
        signal,
        query: { status, cursor: cursor ?? undefined },
      }),
    placeholderData: keepPreviousData,
    // The queue moves on its own: look again whenever the list is shown.
    staleTime: 0,
  });
};

export const useRetryDelivery = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (deliveryId: string) =>
      api.post<void>(`/api/hub/channels/deliveries/${encodeURIComponent(deliveryId)}/retry`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: deliveriesKey(scope) }),
  });
};

/** A non-secret setting of a connection as text (phone number id, bot username…), or null when absent. */
export const settingText = (connection: TChannelConnection, key: string): string | null => {
  const value = connection.settings[key];
  if (typeof value === 'string' && value.trim()) return value;
  if (typeof value === 'number') return String(value);
  return null;
};

/** The approved WhatsApp template a connection sends outside the 24-hour window, when one is set. */
export const templateOf = (connection: TChannelConnection): { name: string; language: string } | null => {
  const result = z
    .object({ name: z.string(), language: z.string() })
    .safeParse(connection.settings['template']);
  return result.success ? result.data : null;
};

export const connectionStatusLabels: Record<TConnectionStatus, string> = {
  active: 'Active',
  error: 'Error',
  disabled: 'Disabled',
};

export const deliveryStatusLabels: Record<TDeliveryStatus, string> = {
  pending: 'Pending',
  sending: 'Sending',
  sent: 'Sent',
  waiting: 'Waiting',
  failed: 'Failed',
  dead: 'Dead letter',
  cancelled: 'Cancelled',
};
