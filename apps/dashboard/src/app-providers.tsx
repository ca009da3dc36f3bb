import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import type { ApiClient } from './api/api-client';
import { ApiProvider } from './api/api-context';
import { ApiError } from './api/api-error';
import { ToastProvider } from './ui/toaster';

/** A 4xx will not change by asking again; network trouble and 5xx get two more tries. */
const shouldRetry = (failureCount: number, error: unknown) =>
  !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failureCount < 2;

export const createQueryClient = () =>
  new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 15_000 },
      mutations: { retry: false },
    },
  });

export const AppProviders = ({
  api,
  queryClient,
  children,
}: {
  api: ApiClient;
  queryClient?: QueryClient;
  children: ReactNode;
}) => {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <ApiProvider client={api}>
      <QueryClientProvider client={client}>
        <ToastProvider>{children}</ToastProvider>
      </QueryClientProvider>
    </ApiProvider>
  );
};
