import { ZCreatorSettings } from '@companero/contracts/creator-hub/settings';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import { useApi } from '../../api/api-context';
import { meQueryKey } from '../auth/auth.api';
import { useClaims, useCreatorScope } from '../auth/session';

export type TCreatorSettings = z.infer<typeof ZCreatorSettings>;
export type UpdateCreatorSettingsInput = { name?: string; slug?: string; timezone?: string };

export const useCreatorSettings = () => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...scope, 'settings'],
    queryFn: ({ signal }) => api.get('/api/hub/settings', { schema: ZCreatorSettings, signal }),
    staleTime: 5 * 60_000,
  });
};

export const useUpdateCreatorSettings = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const { accountId } = useClaims();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: UpdateCreatorSettingsInput) =>
      api.patch('/api/hub/settings', input, { schema: ZCreatorSettings }),
    onSuccess: (settings) => {
      queryClient.setQueryData([...scope, 'settings'], settings);
      // The creator's name shows in the switcher, which reads the memberships.
      void queryClient.invalidateQueries({ queryKey: meQueryKey(accountId) });
      void queryClient.invalidateQueries({ queryKey: [...scope, 'analytics'] });
    },
  });
};

export const browserTimeZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
};

/** The creator's time zone (analytics days are counted in it); the browser's until settings answer. */
export const useCreatorTimeZone = (): string | undefined => {
  const settings = useCreatorSettings();
  if (settings.data) return settings.data.timezone;
  return settings.isError ? browserTimeZone() : undefined;
};
