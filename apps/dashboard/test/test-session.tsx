import type { TStaffRole } from '@companero/contracts/auth/session';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { createApiClient } from '../src/api/api-client';
import { createTokenStore, refreshTokenKey } from '../src/api/token-store';
import { AppProviders, createQueryClient } from '../src/app-providers';
import { AppRoutes } from '../src/app-routes';
import type { createFakeApi } from './fake-api';

export const accountId = '11111111-1111-4111-8111-111111111111';
export const creatorId = '22222222-2222-4222-8222-222222222222';
export const otherCreatorId = '33333333-3333-4333-8333-333333333333';

const base64url = (value: object) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** An access token shaped like the server's (the dashboard reads claims, it never verifies signatures). */
export const accessToken = (
  options: { role?: TStaffRole; creator?: string; account?: string; ttlSeconds?: number; id?: string } = {},
) =>
  [
    base64url({ alg: 'RS256', typ: 'JWT' }),
    base64url({
      sub: options.account ?? accountId,
      cid: options.creator ?? creatorId,
      role: options.role ?? 'owner',
      typ: 'staff',
      exp: Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 900),
      jti: options.id ?? Math.random().toString(36).slice(2),
    }),
    'signature',
  ].join('.');

export const tokenPair = (options: Parameters<typeof accessToken>[0] = {}) => ({
  accessToken: accessToken(options),
  refreshToken: `${options.creator ?? creatorId}.refresh-${Math.random().toString(36).slice(2)}`,
  expiresIn: options.ttlSeconds ?? 900,
  tokenType: 'Bearer' as const,
});

export const meResponse = (
  role: TStaffRole = 'owner',
  extra: { creatorId: string; creatorName: string; role: TStaffRole }[] = [],
) => ({
  account: {
    id: accountId,
    email: 'ana@example.com',
    name: 'Ana García',
    createdAt: '2025-01-02T10:00:00.000Z',
  },
  memberships: [
    { creatorId, creatorName: 'Ana Runs', creatorSlug: 'ana-runs', role },
    ...extra.map((membership) => ({
      ...membership,
      creatorSlug: membership.creatorName.toLowerCase().replace(/\s+/g, '-'),
    })),
  ],
});

type FakeApi = ReturnType<typeof createFakeApi>;

/**
 * Renders the whole app at `path` over a fake API. `role` signs someone in (tokens in memory as after a sign-in);
 * null renders signed out.
 */
export const renderApp = ({
  path,
  api,
  role = 'owner',
}: {
  path: string;
  api: FakeApi;
  role?: TStaffRole | null;
}) => {
  const tokens = createTokenStore(window.localStorage);
  if (role) tokens.set(tokenPair({ role }));
  const client = createApiClient({ tokens, fetch: api.fetch as typeof fetch, locks: null });
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { retry: false, staleTime: Number.POSITIVE_INFINITY } });
  const view = render(
    <AppProviders api={client} queryClient={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
      </MemoryRouter>
    </AppProviders>,
  );
  return { ...view, tokens, client, queryClient };
};

export const storedRefreshToken = () => window.localStorage.getItem(refreshTokenKey);
