import { ZEnrollmentListResponse } from '@companero/contracts/creator-hub/enrollments';
import {
  type TProactiveSettings,
  type TProgram,
  type TProgramGraph,
  type TProgramValidationError,
  type ZEnrollment,
  ZEnrollResult,
  ZProactiveSettings,
  ZProgram,
  ZProgramFunnel,
  ZProgramListResponse,
  ZProgramValidation,
  ZProgramValidationError,
  ZProgramVersionListResponse,
  ZPublishProgramResult,
  type ZSimulateProgram,
  ZSimulationResult,
} from '@companero/contracts/creator-hub/programs';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import { useApi } from '../../api/api-context';
import { ApiError } from '../../api/api-error';
import { useCreatorScope } from '../auth/session';

export type TProgramSummary = z.infer<typeof ZProgramListResponse>['items'][number];
export type TProgramFunnel = z.infer<typeof ZProgramFunnel>;
export type TSimulationResult = z.infer<typeof ZSimulationResult>;
export type TEnrollment = z.infer<typeof ZEnrollment>;
export type TEnrollResult = z.infer<typeof ZEnrollResult>;
export type SimulateInput = z.input<typeof ZSimulateProgram>;
export type { TProactiveSettings, TProgram, TProgramGraph, TProgramValidationError };

const programPath = (id: string) => `/api/hub/programs/${encodeURIComponent(id)}`;
const programsKey = (scope: readonly unknown[]) => [...scope, 'programs'] as const;
const programKey = (scope: readonly unknown[], id: string) => [...programsKey(scope), 'detail', id] as const;

export const usePrograms = () => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...programsKey(scope), 'list'],
    queryFn: ({ signal }) => api.get('/api/hub/programs', { schema: ZProgramListResponse, signal }),
    // Enrollment counts move on their own.
    staleTime: 0,
  });
};

export const useProgram = (id: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: programKey(scope, id),
    queryFn: ({ signal }) => api.get(programPath(id), { schema: ZProgram, signal }),
    // Opening the builder always reads the server's draft (its revision is what the next save is based on);
    // after that the builder owns the draft, so nothing refetches it behind the person's back.
    staleTime: 0,
    refetchOnMount: 'always',
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
};

/** The program as the server has it now, outside the cache (after a conflict). */
export const useFetchProgram = () => {
  const api = useApi();
  return (id: string) => api.get(programPath(id), { schema: ZProgram });
};

export type CreateProgramInput = { name: string; description?: string; graph: TProgramGraph };

export const useCreateProgram = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateProgramInput) => api.post('/api/hub/programs', input, { schema: ZProgram }),
    onSuccess: (program) => {
      queryClient.setQueryData(programKey(scope, program.id), program);
      void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'list'] });
    },
  });
};

export type UpdateProgramInput = {
  name?: string;
  description?: string | null;
  graph?: TProgramGraph;
  revision: number;
};

/** A plain function (not a mutation hook): autosave calls it on its own schedule. */
export const useSaveProgramDraft = (id: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return async (input: UpdateProgramInput): Promise<TProgram> => {
    const program = await api.put(programPath(id), input, { schema: ZProgram });
    void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'list'] });
    return program;
  };
};

export const useDeleteProgram = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, force }: { id: string; force: boolean }) =>
      api.delete<void>(programPath(id), { query: { force: force ? 'true' : undefined } }),
    onSuccess: (_result, { id }) => {
      queryClient.removeQueries({ queryKey: programKey(scope, id) });
      void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'list'] });
    },
  });
};

/** The validation errors of a 422 about a program (publish, validate), as the contract names them. */
export const programErrorsOf = (error: unknown): TProgramValidationError[] => {
  if (!(error instanceof ApiError) || error.status !== 422) return [];
  return error.problemErrors.flatMap((issue) => {
    const parsed = ZProgramValidationError.safeParse({ code: 'schema', ...issue });
    return parsed.success ? [parsed.data] : [];
  });
};

export const useValidateProgram = (id: string) => {
  const api = useApi();
  return useMutation({
    mutationFn: () => api.post(`${programPath(id)}/validate`, undefined, { schema: ZProgramValidation }),
  });
};

export const usePublishProgram = (id: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post(`${programPath(id)}/publish`, undefined, { schema: ZPublishProgramResult }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'list'] });
      void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'versions', id] });
      void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'funnel', id] });
    },
  });
};

export const useProgramVersions = (id: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...programsKey(scope), 'versions', id],
    queryFn: ({ signal }) =>
      api.get(`${programPath(id)}/versions`, { schema: ZProgramVersionListResponse, signal }),
  });
};

export const useSimulateProgram = (id: string) => {
  const api = useApi();
  return useMutation({
    mutationFn: (input: SimulateInput) =>
      api.post(`${programPath(id)}/simulate`, input, { schema: ZSimulationResult }),
  });
};

export const useProgramFunnel = (id: string, isPublished: boolean) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...programsKey(scope), 'funnel', id],
    queryFn: ({ signal }) => api.get(`${programPath(id)}/funnel`, { schema: ZProgramFunnel, signal }),
    enabled: isPublished,
    staleTime: 0,
    refetchInterval: 30_000,
  });
};

export const useEnrollments = (id: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...programsKey(scope), 'enrollments', id],
    queryFn: ({ signal }) =>
      api.get(`${programPath(id)}/enrollments`, {
        schema: ZEnrollmentListResponse,
        signal,
        query: { limit: 200 },
      }),
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
};

const invalidateEnrollments = (
  queryClient: ReturnType<typeof useQueryClient>,
  scope: readonly unknown[],
  id: string,
) => {
  void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'enrollments', id] });
  void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'funnel', id] });
  void queryClient.invalidateQueries({ queryKey: [...programsKey(scope), 'list'] });
};

export const useEnrollMembers = (id: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (memberIds: string[]) =>
      api.post(`${programPath(id)}/enrollments`, { memberIds }, { schema: ZEnrollResult }),
    onSuccess: () => invalidateEnrollments(queryClient, scope, id),
  });
};

export const useUnenrollMember = (id: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (memberId: string) =>
      api.delete<void>(`${programPath(id)}/enrollments/${encodeURIComponent(memberId)}`),
    onSuccess: () => invalidateEnrollments(queryClient, scope, id),
  });
};

export const useProactiveSettings = () => {
  const api = useApi();
  const scope = useCreatorScope();
  return useQuery({
    queryKey: [...programsKey(scope), 'proactive-settings'],
    queryFn: ({ signal }) =>
      api.get('/api/hub/programs/settings/proactive', { schema: ZProactiveSettings, signal }),
  });
};

export const useSaveProactiveSettings = () => {
  const api = useApi();
  const scope = useCreatorScope();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: TProactiveSettings) =>
      api.put('/api/hub/programs/settings/proactive', input, { schema: ZProactiveSettings }),
    onSuccess: (settings) =>
      queryClient.setQueryData([...programsKey(scope), 'proactive-settings'], settings),
  });
};

export const programStatusLabel = (program: Pick<TProgramSummary, 'status' | 'latestVersion'>): string =>
  program.status === 'published'
    ? `Published${program.latestVersion ? ` · v${program.latestVersion}` : ''}`
    : 'Draft';
