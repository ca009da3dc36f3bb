import {
  channels,
  ZBulkTagResponse,
  ZEraseMemberResponse,
  ZImportReport,
  ZMemberDetail,
  ZMemberListResponse,
  ZMemberMessagesResponse,
} from '@companero/contracts/creator-hub/members';
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type { z } from 'zod';
import { useApi } from '../../api/api-context';
import { downloadFile } from '../../lib/download-file';
import { useCreatorScope } from '../auth/session';

export type TMemberDetail = z.infer<typeof ZMemberDetail>;
export type TMemberMessage = z.infer<typeof ZMemberMessagesResponse>['items'][number];
export type TChannelName = (typeof channels)[number];
export { channels };

export const lastSeenPresets = {
  any: 'Any time',
  '7d': 'Active in the last 7 days',
  '30d': 'Active in the last 30 days',
  'quiet-30d': 'Quiet for 30+ days',
  'quiet-90d': 'Quiet for 90+ days',
} as const;
export type LastSeenPreset = keyof typeof lastSeenPresets;

export type MemberSort = 'createdAt' | 'lastSeenAt' | 'name';

export type MemberListFilters = {
  q: string;
  tag: string;
  channel: TChannelName | '';
  lastSeen: LastSeenPreset;
  sort: MemberSort;
  order: 'asc' | 'desc';
  limit: number;
};

const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

/** The presets become datetimes when the request is made, so "last 7 days" never goes stale in the cache key. */
const lastSeenRange = (preset: LastSeenPreset): { lastSeenAfter?: string; lastSeenBefore?: string } => {
  switch (preset) {
    case '7d':
      return { lastSeenAfter: daysAgo(7) };
    case '30d':
      return { lastSeenAfter: daysAgo(30) };
    case 'quiet-30d':
      return { lastSeenBefore: daysAgo(30) };
    case 'quiet-90d':
      return { lastSeenBefore: daysAgo(90) };
    default:
      return {};
  }
};

export const useMemberList = (filters: MemberListFilters, cursor: string | null) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...scope, 'members', 'list', filters, cursor],
    queryFn: ({ signal }) =>
      api.get('/api/hub/members', {
        schema: ZMemberListResponse,
        signal,
        query: {
          q: filters.q.trim() || undefined,
          tag: filters.tag.trim() || undefined,
          channel: filters.channel || undefined,
          ...lastSeenRange(filters.lastSeen),
          sort: filters.sort,
          order: filters.order,
          limit: filters.limit,
          cursor: cursor ?? undefined,
        },
      }),
    placeholderData: keepPreviousData,
  });
};

export const useMember = (memberId: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...scope, 'members', 'detail', memberId],
    queryFn: ({ signal }) =>
      api.get(`/api/hub/members/${encodeURIComponent(memberId)}`, { schema: ZMemberDetail, signal }),
  });
};

export const useMemberMessages = (memberId: string, conversationId: string | null) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useInfiniteQuery({
    queryKey: [...scope, 'members', 'messages', memberId, conversationId],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get(`/api/hub/members/${encodeURIComponent(memberId)}/messages`, {
        schema: ZMemberMessagesResponse,
        signal,
        query: { conversationId: conversationId ?? undefined, cursor: pageParam ?? undefined },
      }),
    getNextPageParam: (page) => page.nextCursor,
  });
};

export type UpdateMemberInput = { name?: string | null; tags?: string[]; notes?: string | null };

export const useUpdateMember = (memberId: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: UpdateMemberInput) =>
      api.patch(`/api/hub/members/${encodeURIComponent(memberId)}`, input, { schema: ZMemberDetail }),
    onSuccess: (member) => {
      queryClient.setQueryData([...scope, 'members', 'detail', memberId], member);
      void queryClient.invalidateQueries({ queryKey: [...scope, 'members', 'list'] });
    },
  });
};

export const useBulkTag = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { memberIds: string[]; add: string[]; remove: string[] }) =>
      api.post('/api/hub/members/bulk-tag', input, { schema: ZBulkTagResponse }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...scope, 'members'] }),
  });
};

export const useImportMembers = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file, file.name);
      return api.post('/api/hub/members/import', form, { schema: ZImportReport });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...scope, 'members'] }),
  });
};

export const useEraseMember = (memberId: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api.delete(`/api/hub/members/${encodeURIComponent(memberId)}`, { schema: ZEraseMemberResponse }),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: [...scope, 'members', 'detail', memberId] });
      queryClient.removeQueries({ queryKey: [...scope, 'members', 'messages', memberId] });
      void queryClient.invalidateQueries({ queryKey: [...scope, 'members', 'list'] });
    },
  });
};

const today = () => new Date().toISOString().slice(0, 10);

/** The GDPR copy of one member, saved as a JSON file. */
export const useExportMember = (memberId: string) => {
  const api = useApi();
  return useMutation({
    mutationFn: async () => {
      const file = await api.get<Blob>(`/api/hub/members/${encodeURIComponent(memberId)}/export`, {
        responseType: 'blob',
      });
      downloadFile(
        new Blob([file], { type: 'application/json' }),
        `member-${memberId.slice(0, 8)}-export-${today()}.json`,
      );
    },
  });
};

/** Every member as CSV, in the same columns the import reads. */
export const useExportMembersCsv = () => {
  const api = useApi();
  return useMutation({
    mutationFn: async () => {
      const file = await api.get<Blob>('/api/hub/members/export.csv', { responseType: 'blob' });
      downloadFile(new Blob([file], { type: 'text/csv' }), `members-${today()}.csv`);
    },
  });
};

/** The name a person reads for a member: their name, else email, else phone. */
export const memberDisplayName = (member: {
  name: string | null;
  email: string | null;
  phone: string | null;
}) => member.name?.trim() || member.email || member.phone || 'Unnamed member';

export const channelLabels: Record<string, string> = {
  widget: 'Website widget',
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  app: 'Mobile app',
  websocket: 'Live chat',
  push: 'Push',
  email: 'Email',
};

export const channelLabel = (channel: string) => channelLabels[channel] ?? channel;
