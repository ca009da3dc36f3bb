import { errorMessage } from '../../../api/api-error';
import { Dialog } from '../../../ui/dialog';
import { Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { type TProgramSummary, useDeleteProgram } from '../programs.api';

/** Deleting a program with members in it ends their enrollments too, and says so first. */
export const DeleteProgramDialog = ({
  program,
  onClose,
}: {
  program: TProgramSummary | null;
  onClose: () => void;
}) => {
  const remove = useDeleteProgram();
  const notify = useToast();
  const active = program?.activeEnrollments ?? 0;
  return (
    <Dialog
      isOpen={Boolean(program)}
      onClose={onClose}
      tone="danger"
      title={program ? `Delete “${program.name}”?` : 'Delete the program?'}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Keep it
          </button>
          <button
            type="button"
            className="button button--danger"
            disabled={remove.isPending}
            onClick={() =>
              program &&
              remove.mutate(
                { id: program.id, force: active > 0 },
                {
                  onSuccess: () => {
                    notify(`Program “${program.name}” deleted.`);
                    onClose();
                  },
                  onError: (error) => notify(errorMessage(error), 'error'),
                },
              )
            }
          >
            {remove.isPending ? <Spinner /> : null}
            Delete program
          </button>
        </>
      }
    >
      <p>
        {active > 0
          ? `${active === 1 ? 'One member is' : `${active} members are`} in this program now: their enrollment ends with it, and nothing more is sent to them from it.`
          : 'Its draft and published versions are deleted. Programs that go to it will stop there.'}
      </p>
    </Dialog>
  );
};
