import { PageHeader } from '../../../ui/page-header';
import { ErrorState, LoadingState } from '../../../ui/states';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import { useCoachPersona } from '../coach.api';
import { PersonaForm } from '../components/persona-form';
import { Playground } from '../components/playground';

export const CoachPage = () => {
  useDocumentTitle('Coach');
  const { role } = useClaims();
  const canEdit = useCan('editCoach');
  const persona = useCoachPersona();
  return (
    <div className="page">
      <PageHeader
        title="Coach"
        description="Shape how your coach speaks, then try it on your own knowledge before members do."
      />
      {!canEdit ? (
        <p className="notice notice--info">
          You have the {role} role: you can read the persona and try the coach in the playground. Changing the
          persona needs an editor.
        </p>
      ) : null}
      {persona.isPending ? (
        <LoadingState label="Loading your coach…" />
      ) : persona.isError ? (
        <ErrorState
          error={persona.error}
          title="The coach could not be loaded"
          onRetry={() => persona.refetch()}
        />
      ) : (
        <div className="coach-layout">
          <Playground coachName={persona.data.name} welcomeMessage={persona.data.welcomeMessage} />
          <PersonaForm
            persona={persona.data}
            canEdit={canEdit}
            disabledHint={permissionHint('editCoach', role)}
          />
        </div>
      )}
    </div>
  );
};
