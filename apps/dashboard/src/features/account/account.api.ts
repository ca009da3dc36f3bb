import { ZEraseAccountResponse } from '@companero/contracts/auth/account-data';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useApi } from '../../api/api-context';
import { downloadFile } from '../../lib/download-file';

/** Everything stored about the signed-in account, as a JSON file (GDPR access). */
export const useExportAccount = () => {
  const api = useApi();
  return useMutation({
    mutationFn: async () => {
      const file = await api.get<Blob>('/api/auth/me/export', { responseType: 'blob' });
      downloadFile(
        new Blob([file], { type: 'application/json' }),
        `compañero-account-${new Date().toISOString().slice(0, 10)}.json`,
      );
    },
  });
};

export const useDeleteAccount = () => {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (password: string) =>
      api.delete('/api/auth/me', { body: { password }, schema: ZEraseAccountResponse }),
    onSuccess: () => {
      api.tokens.clear('signed-out');
      queryClient.clear();
    },
  });
};
