import { ZAuditResponse } from '@companero/contracts/auth/audit';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import { useApi } from '../../api/api-context';
import { useCreatorScope } from '../auth/session';

export type TAuditEntry = z.infer<typeof ZAuditResponse>['items'][number];

export const useAuditLog = (action: string) => {
  const api = useApi();
  const scope = useCreatorScope();
  return useInfiniteQuery({
    queryKey: [...scope, 'audit', action],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api.get('/api/auth/audit', {
        schema: ZAuditResponse,
        signal,
        query: { action: action || undefined, cursor: pageParam ?? undefined, limit: 50 },
      }),
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
  });
};

/** What each recorded action means, in words; unknown actions show their code. */
export const auditActionLabels: Record<string, string> = {
  'account.registered': 'Created the account',
  'account.exported': 'Downloaded their account data',
  'account.erased': 'Deleted their account',
  'auth.login': 'Signed in',
  'auth.switch': 'Switched to this creator',
  'auth.refresh_token_reused': 'A used sign-in token came back (sessions revoked)',
  'team.invited': 'Invited a teammate',
  'team.invitation_accepted': 'Accepted an invitation',
  'team.member_added': 'Added a teammate',
  'team.role_changed': 'Changed a teammate’s role',
  'team.member_removed': 'Removed a teammate',
  'creator.settings_changed': 'Changed the settings',
  'member.imported': 'Imported members',
  'member.exported_csv': 'Exported all members as CSV',
  'member.exported': 'Exported a member’s data',
  'member.updated': 'Edited a member',
  'member.bulk_tagged': 'Tagged members in bulk',
  'member.erasure_requested': 'Asked to erase a member',
  'member.erased': 'Erased a member',
  'member.code_requested': 'A member asked for a sign-in code',
  'member.signed_in': 'A member signed in to the app',
  'knowledge.uploaded': 'Uploaded a document',
  'knowledge.updated': 'Edited a document',
  'knowledge.deleted': 'Deleted a document',
  'knowledge.reindexed': 'Re-indexed a document',
  'knowledge.folder_created': 'Created a folder',
  'knowledge.folder_deleted': 'Deleted a folder',
  'coach.persona_changed': 'Changed the coach persona',
  'channel.connected': 'Connected a channel',
  'channel.disconnected': 'Disconnected a channel',
  'channel.widget_updated': 'Changed the web widget',
  'channel.widget_secret_rotated': 'Rotated the widget identity secret',
  'channel.delivery_retried': 'Retried a failed delivery',
  'program.created': 'Created a program',
  'program.updated': 'Edited a program',
  'program.published': 'Published a program',
  'program.deleted': 'Deleted a program',
  'program.members_enrolled': 'Enrolled members in a program',
  'program.member_unenrolled': 'Removed a member from a program',
  'program.proactive_settings_changed': 'Changed the proactive messaging rules',
  'program.webhook_secret_rotated': 'Rotated the program webhook secret',
};

export const describeAuditAction = (action: string) => auditActionLabels[action] ?? action;
