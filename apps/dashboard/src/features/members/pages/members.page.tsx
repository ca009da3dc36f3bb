import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { errorMessage } from '../../../api/api-error';
import { CursorPagination } from '../../../ui/cursor-pagination';
import { Icon } from '../../../ui/icons';
import { PageHeader } from '../../../ui/page-header';
import { EmptyState, ErrorState, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import { BulkTagBar } from '../components/bulk-tag-bar';
import { ImportMembersDialog } from '../components/import-members-dialog';
import { MemberFilters } from '../components/member-filters';
import { MembersTable } from '../components/members-table';
import {
  channels,
  type LastSeenPreset,
  lastSeenPresets,
  type MemberListFilters,
  type MemberSort,
  type TChannelName,
  useExportMembersCsv,
  useMemberList,
} from '../members.api';

const sorts: MemberSort[] = ['createdAt', 'lastSeenAt', 'name'];

/** The filters live in the URL, so a filtered list can be bookmarked, shared and restored with Back. */
const readFilters = (params: URLSearchParams): MemberListFilters => {
  const channel = params.get('channel') ?? '';
  const lastSeen = params.get('seen') ?? 'any';
  const sort = params.get('sort') ?? 'createdAt';
  const limit = Number(params.get('limit') ?? 50);
  return {
    q: params.get('q') ?? '',
    tag: params.get('tag') ?? '',
    channel: (channels as readonly string[]).includes(channel) ? (channel as TChannelName) : '',
    lastSeen: lastSeen in lastSeenPresets ? (lastSeen as LastSeenPreset) : 'any',
    sort: sorts.includes(sort as MemberSort) ? (sort as MemberSort) : 'createdAt',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    limit: [25, 50, 100, 200].includes(limit) ? limit : 50,
  };
};

const writeFilters = (filters: MemberListFilters): URLSearchParams => {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.tag) params.set('tag', filters.tag);
  if (filters.channel) params.set('channel', filters.channel);
  if (filters.lastSeen !== 'any') params.set('seen', filters.lastSeen);
  if (filters.sort !== 'createdAt') params.set('sort', filters.sort);
  if (filters.order !== 'desc') params.set('order', filters.order);
  if (filters.limit !== 50) params.set('limit', String(filters.limit));
  return params;
};

const MemberResults = ({
  filters,
  onFiltersChange,
  onClear,
  onImport,
}: {
  filters: MemberListFilters;
  onFiltersChange: (patch: Partial<MemberListFilters>) => void;
  onClear: () => void;
  onImport: () => void;
}) => {
  // One cursor per page visited, so "Previous" goes back without the API needing backwards cursors. Both the
  // pages and the selection belong to one set of filters: new filters start again at page 1, nothing selected.
  const filtersKey = JSON.stringify(filters);
  const [paging, setPaging] = useState({ key: filtersKey, cursors: [null] as (string | null)[] });
  const [selected, setSelected] = useState({ key: '', ids: new Set<string>() });
  const cursors = paging.key === filtersKey ? paging.cursors : [null];
  const selection = selected.key === `${filtersKey}#${cursors.length}` ? selected.ids : new Set<string>();
  const setCursors = (update: (stack: (string | null)[]) => (string | null)[]) =>
    setPaging({ key: filtersKey, cursors: update(cursors) });
  const setSelection = (ids: Set<string>) => setSelected({ key: `${filtersKey}#${cursors.length}`, ids });
  const canEdit = useCan('editMembers');
  const canImport = useCan('importMembers');
  const cursor = cursors[cursors.length - 1] ?? null;
  const list = useMemberList(filters, cursor);
  const isFiltered = Boolean(filters.q || filters.tag || filters.channel || filters.lastSeen !== 'any');

  if (list.isPending) return <LoadingState label="Loading members…" />;
  if (list.isError)
    return (
      <ErrorState error={list.error} title="Members could not be loaded" onRetry={() => list.refetch()} />
    );

  const members = list.data.items;
  if (members.length === 0 && cursors.length === 1) {
    return isFiltered ? (
      <EmptyState title="No members match these filters" icon="search">
        <p>Try a shorter search, another tag or channel, or a wider “last seen” range.</p>
        <button type="button" className="button" onClick={onClear}>
          Clear filters
        </button>
      </EmptyState>
    ) : (
      <EmptyState
        title="No members yet"
        icon="members"
        action={
          canImport ? (
            <button type="button" className="button button--primary" onClick={onImport}>
              <Icon name="upload" /> Import a CSV
            </button>
          ) : null
        }
      >
        <p>
          Members appear here when someone writes to your coach on WhatsApp, Telegram, the website widget or
          the app. Already have a list? Import it from a CSV file with a header row.
        </p>
      </EmptyState>
    );
  }
  return (
    <>
      {canEdit && selection.size > 0 ? (
        <BulkTagBar memberIds={[...selection]} onDone={() => setSelection(new Set())} />
      ) : null}
      <div className={list.isPlaceholderData ? 'is-refreshing' : undefined} aria-busy={list.isFetching}>
        <MembersTable
          members={members}
          sort={{ sort: filters.sort, order: filters.order }}
          onSort={(sort) => onFiltersChange(sort)}
          selection={canEdit ? selection : null}
          onSelectionChange={setSelection}
        />
      </div>
      <CursorPagination
        page={cursors.length}
        hasPrevious={cursors.length > 1}
        hasNext={Boolean(list.data.nextCursor)}
        isFetching={list.isFetching}
        onPrevious={() => setCursors((stack) => stack.slice(0, -1))}
        onNext={() => setCursors((stack) => [...stack, list.data.nextCursor ?? null])}
        pageSize={filters.limit}
        onPageSizeChange={(limit) => onFiltersChange({ limit })}
        itemLabel="members"
      />
    </>
  );
};

export const MembersPage = () => {
  useDocumentTitle('Members');
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => readFilters(searchParams), [searchParams]);
  const [isImportOpen, setIsImportOpen] = useState(false);
  const { role } = useClaims();
  const canImport = useCan('importMembers');
  const canExport = useCan('exportMembers');
  const exportCsv = useExportMembersCsv();
  const notify = useToast();

  const update = (patch: Partial<MemberListFilters>) =>
    setSearchParams(writeFilters({ ...filters, ...patch }), { replace: true });
  const clear = () => setSearchParams(new URLSearchParams(), { replace: true });

  return (
    <div className="page">
      <PageHeader
        title="Members"
        description="Everyone who talks to your coach, on every channel."
        actions={
          <>
            <button
              type="button"
              className="button"
              disabled={!canExport || exportCsv.isPending}
              title={canExport ? undefined : permissionHint('exportMembers', role)}
              onClick={() =>
                exportCsv.mutate(undefined, {
                  onSuccess: () => notify('Members exported as CSV.'),
                  onError: (error) => notify(errorMessage(error), 'error'),
                })
              }
            >
              {exportCsv.isPending ? <Spinner /> : <Icon name="download" />} Export CSV
            </button>
            <button
              type="button"
              className="button button--primary"
              disabled={!canImport}
              title={canImport ? undefined : permissionHint('importMembers', role)}
              onClick={() => setIsImportOpen(true)}
            >
              <Icon name="upload" /> Import CSV
            </button>
          </>
        }
      />
      {!canImport ? (
        <p className="notice notice--info">
          You have the {role} role: you can browse members and read conversations. Importing, exporting and
          editing members needs an admin.
        </p>
      ) : null}
      <MemberFilters filters={filters} onChange={update} onClear={clear} />
      <MemberResults
        filters={filters}
        onFiltersChange={update}
        onClear={clear}
        onImport={() => setIsImportOpen(true)}
      />
      <ImportMembersDialog isOpen={isImportOpen} onClose={() => setIsImportOpen(false)} />
    </div>
  );
};
