import type { TStaffRole } from '@companero/contracts/auth/session';
import { ZInviteResponse, ZTeammate, ZTeamResponse } from '@companero/contracts/auth/team';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import { useApi } from '../../api/api-context';
import { useCreatorScope } from '../auth/session';

export type TTeammate = z.infer<typeof ZTeammate>;
export type TInvitation = z.infer<typeof ZTeamResponse>['invitations'][number];

export const useTeam = () => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...scope, 'team'],
    queryFn: ({ signal }) => api.get('/api/auth/team', { schema: ZTeamResponse, signal }),
  });
};

export const useInviteTeammate = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; role: TStaffRole }) =>
      api.post('/api/auth/team', input, { schema: ZInviteResponse }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...scope, 'team'] }),
  });
};

export const useChangeRole = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { accountId: string; role: TStaffRole }) =>
      api.patch(
        `/api/auth/team/${encodeURIComponent(input.accountId)}`,
        { role: input.role },
        { schema: ZTeammate },
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: [...scope, 'team'] }),
  });
};

export const useRemoveTeammate = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (accountId: string) => api.delete<void>(`/api/auth/team/${encodeURIComponent(accountId)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [...scope, 'team'] }),
  });
};
