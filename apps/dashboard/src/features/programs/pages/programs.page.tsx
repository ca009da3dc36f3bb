import '../programs.css';
import { useState } from 'react';
import { Icon } from '../../../ui/icons';
import { PageHeader } from '../../../ui/page-header';
import { EmptyState, ErrorState, LoadingState } from '../../../ui/states';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import { CreateProgramDialog } from '../components/create-program-dialog';
import { DeleteProgramDialog } from '../components/delete-program-dialog';
import { ProactiveSettingsCard } from '../components/proactive-settings-card';
import { ProgramsTable } from '../components/programs-table';
import { type TProgramSummary, usePrograms } from '../programs.api';

export const ProgramsPage = () => {
  useDocumentTitle('Programs');
  const { role } = useClaims();
  const canEdit = useCan('editPrograms');
  const programs = usePrograms();
  const [isCreateOpen, setIsCreateOpen] = useState(false);
  const [toDelete, setToDelete] = useState<TProgramSummary | null>(null);
  const items = programs.data?.items ?? [];

  const newProgramButton = (
    <button
      type="button"
      className="button button--primary"
      onClick={() => setIsCreateOpen(true)}
      disabled={!canEdit}
      title={canEdit ? undefined : permissionHint('editPrograms', role)}
    >
      <Icon name="plus" />
      New program
    </button>
  );

  return (
    <div className="page">
      <PageHeader
        title="Programs"
        description="Coaching journeys your coach runs on its own: messages, questions and waits, at each member’s local time."
        actions={newProgramButton}
      />
      {programs.isPending ? (
        <LoadingState label="Loading programs…" />
      ) : programs.isError ? (
        <ErrorState
          error={programs.error}
          title="Programs could not be loaded"
          onRetry={() => programs.refetch()}
        />
      ) : items.length === 0 ? (
        <EmptyState title="No programs yet" icon="flow" action={canEdit ? newProgramButton : null}>
          <p>
            A program is a journey drawn as steps: a morning check-in, an onboarding week, a nudge after a
            quiet spell. Start from a blank canvas or from the 7-day morning check-in.
          </p>
        </EmptyState>
      ) : (
        <ProgramsTable programs={items} canDelete={canEdit} onDelete={setToDelete} />
      )}
      <ProactiveSettingsCard canEdit={canEdit} disabledHint={permissionHint('editPrograms', role)} />
      <CreateProgramDialog isOpen={isCreateOpen} onClose={() => setIsCreateOpen(false)} />
      <DeleteProgramDialog program={toDelete} onClose={() => setToDelete(null)} />
    </div>
  );
};
