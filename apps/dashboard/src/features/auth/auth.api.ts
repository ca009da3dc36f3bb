import { ZLoginResponse, ZMeResponse } from '@companero/contracts/auth/login';
import { ZRegisterResponse } from '@companero/contracts/auth/register';
import { ZStaffRole, ZTokenPair } from '@companero/contracts/auth/session';
import { ZAcceptInvitationResponse } from '@companero/contracts/auth/team';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { useClaims } from './session';

const ZSwitchResponse = ZTokenPair.extend({ creatorId: z.uuid(), role: ZStaffRole });

export const meQueryKey = (accountId: string) => ['account', accountId, 'me'] as const;

/** The signed-in account and the creators it belongs to (for the creator switcher). */
export const useMe = () => {
  const api = useApi();
  const { accountId } = useClaims();
  return useQuery({
    queryKey: meQueryKey(accountId),
    queryFn: ({ signal }) => api.get('/api/auth/me', { schema: ZMeResponse, signal }),
    staleTime: 60_000,
  });
};

export type SignInInput = { email: string; password: string };

export const useSignIn = () => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (input: SignInInput) => {
      const lastCreatorId = api.tokens.getLastCreatorId();
      const login = (creatorId?: string | null) =>
        api.post('/api/auth/login', creatorId ? { ...input, creatorId } : input, {
          schema: ZLoginResponse,
          isAuthenticated: false,
        });
      try {
        return await login(lastCreatorId);
      } catch (error) {
        // The creator used last time may be gone, or this is another account: fall back to the first membership.
        const isStaleCreator =
          lastCreatorId && error instanceof ApiError && [403, 404, 422].includes(error.status);
        if (isStaleCreator) return login(null);
        throw error;
      }
    },
    onSuccess: (response) => {
      queryClient.clear();
      api.tokens.set(response);
      const claims = api.tokens.getSnapshot();
      if (claims.status === 'signed-in') {
        queryClient.setQueryData(meQueryKey(claims.claims.accountId), {
          account: response.account,
          memberships: response.memberships,
        });
      }
    },
  });
};

export type SignUpInput = { name: string; email: string; password: string; creatorName: string };

export const useSignUp = () => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: SignUpInput) => {
      let timezone: string | undefined;
      try {
        timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      } catch {
        timezone = undefined;
      }
      return api.post(
        '/api/auth/register',
        { ...input, ...(timezone ? { timezone } : {}) },
        { schema: ZRegisterResponse, isAuthenticated: false },
      );
    },
    onSuccess: (response) => {
      queryClient.clear();
      api.tokens.set(response);
    },
  });
};

export const useSignOut = () => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const refreshToken = api.tokens.getRefreshToken();
      // Ending the session on the server is best effort: signing out here must work offline too.
      if (refreshToken) await api.post('/api/auth/logout', { refreshToken }).catch(() => undefined);
    },
    onSettled: () => {
      api.tokens.clear('signed-out');
      queryClient.clear();
    },
  });
};

export const useSwitchCreator = () => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (creatorId: string) => {
      const tokens = await api.post('/api/auth/switch', { creatorId }, { schema: ZSwitchResponse });
      // Switching starts a new session; end the old one while its access token still speaks for it.
      const previousRefreshToken = api.tokens.getRefreshToken();
      if (previousRefreshToken) {
        await api.post('/api/auth/logout', { refreshToken: previousRefreshToken }).catch(() => undefined);
      }
      return tokens;
    },
    onSuccess: (tokens) => {
      queryClient.clear();
      api.tokens.set(tokens);
    },
  });
};

export type AcceptInvitationInput = { token: string; name?: string; password: string };

export const useAcceptInvitation = () => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: AcceptInvitationInput) =>
      api.post('/api/auth/invitations/accept', input, {
        schema: ZAcceptInvitationResponse,
        isAuthenticated: false,
      }),
    onSuccess: (response) => {
      queryClient.clear();
      api.tokens.set(response);
    },
  });
};
