import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, errorMessage } from '../../../api/api-error';
import { Icon } from '../../../ui/icons';
import { PageHeader } from '../../../ui/page-header';
import { ErrorState, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import { EraseMemberDialog } from '../components/erase-member-dialog';
import { MemberNotesEditor } from '../components/member-notes-editor';
import { MemberProfile } from '../components/member-profile';
import { MemberTagsEditor } from '../components/member-tags-editor';
import { MemberTranscript } from '../components/member-transcript';
import { channelLabel, memberDisplayName, useEraseMember, useExportMember, useMember } from '../members.api';

const BackLink = () => (
  <Link to="/members" className="back-link">
    <Icon name="arrowLeft" size={16} /> All members
  </Link>
);

export const MemberPage = () => {
  const { memberId = '' } = useParams();
  const member = useMember(memberId);
  const { role } = useClaims();
  const canEdit = useCan('editMembers');
  const canExport = useCan('exportMembers');
  const canErase = useCan('eraseMembers');
  const exportMember = useExportMember(memberId);
  const eraseMember = useEraseMember(memberId);
  const [isEraseOpen, setIsEraseOpen] = useState(false);
  const navigate = useNavigate();
  const notify = useToast();
  const name = member.data ? memberDisplayName(member.data) : null;
  useDocumentTitle(name ?? 'Member');

  if (member.isPending) {
    return (
      <div className="page">
        <PageHeader eyebrow={<BackLink />} title="Member" />
        <LoadingState label="Loading member…" />
      </div>
    );
  }
  if (member.isError) {
    return (
      <div className="page">
        <PageHeader eyebrow={<BackLink />} title="Member" />
        <ErrorState
          error={member.error}
          title={
            member.error instanceof ApiError && member.error.isNotFound
              ? 'This member does not exist'
              : 'This member could not be loaded'
          }
          onRetry={() => member.refetch()}
        />
      </div>
    );
  }

  const data = member.data;
  const memberName = name ?? 'this member';
  return (
    <div className="page page--member">
      <PageHeader
        eyebrow={<BackLink />}
        title={memberName}
        description={
          <span className="member-summary">
            {data.channels.length > 0
              ? data.channels.map((channel) => channelLabel(channel)).join(' · ')
              : 'No channel yet'}
          </span>
        }
        actions={
          <>
            <button
              type="button"
              className="button"
              disabled={!canExport || exportMember.isPending}
              title={canExport ? undefined : permissionHint('exportMembers', role)}
              onClick={() =>
                exportMember.mutate(undefined, {
                  onSuccess: () => notify(`Export of ${memberName} downloaded.`),
                  onError: (error) => notify(errorMessage(error), 'error'),
                })
              }
            >
              {exportMember.isPending ? <Spinner /> : <Icon name="download" />} Export data
            </button>
            <button
              type="button"
              className="button button--danger-outline"
              disabled={!canErase}
              title={canErase ? undefined : permissionHint('eraseMembers', role)}
              onClick={() => setIsEraseOpen(true)}
            >
              <Icon name="trash" /> Erase
            </button>
          </>
        }
      />
      {!canEdit ? (
        <p className="notice notice--info">
          You have the {role} role: you can read this member’s profile and conversations. Editing, exporting
          and erasing need an admin.
        </p>
      ) : null}
      <div className="member-layout">
        <div className="member-layout__main">
          <MemberTranscript member={data} memberName={memberName} />
        </div>
        <div className="member-layout__side">
          <MemberProfile member={data} />
          <MemberTagsEditor
            memberId={data.id}
            tags={data.tags}
            canEdit={canEdit}
            disabledHint={permissionHint('editMembers', role)}
          />
          <MemberNotesEditor
            memberId={data.id}
            notes={data.notes}
            canEdit={canEdit}
            disabledHint={permissionHint('editMembers', role)}
          />
        </div>
      </div>
      <EraseMemberDialog
        isOpen={isEraseOpen}
        onClose={() => {
          setIsEraseOpen(false);
          eraseMember.reset();
        }}
        member={data}
        memberName={memberName}
        isPending={eraseMember.isPending}
        error={eraseMember.error}
        onConfirm={() =>
          eraseMember.mutate(undefined, {
            onSuccess: () => {
              setIsEraseOpen(false);
              notify(`${memberName} is being erased. It completes within a minute.`);
              navigate('/members', { replace: true });
            },
          })
        }
      />
    </div>
  );
};
