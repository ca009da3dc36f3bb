import { type FormEvent, useEffect, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { fieldErrorsOf } from '../../../api/api-error';
import { Dialog } from '../../../ui/dialog';
import { TextAreaField, TextField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { type ProgramTemplate, programTemplates } from '../program-templates';
import { useCreateProgram } from '../programs.api';

/** A new program from a blank canvas (a Start step) or a template, then straight into the builder. */
export const CreateProgramDialog = ({ isOpen, onClose }: { isOpen: boolean; onClose: () => void }) => {
  const id = useId();
  const navigate = useNavigate();
  const create = useCreateProgram();
  const [templateId, setTemplateId] = useState<ProgramTemplate['id']>('blank');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a fresh form each time the dialog opens
  useEffect(() => {
    if (!isOpen) return;
    setTemplateId('blank');
    setName('');
    setDescription('');
    setProblem(null);
    create.reset();
  }, [isOpen]);

  const template = programTemplates.find((candidate) => candidate.id === templateId)!;
  const serverErrors = fieldErrorsOf(create.error);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim() || (template.id === 'blank' ? '' : template.name);
    if (!trimmed) {
      setProblem('Give the program a name; members never see it.');
      return;
    }
    create.mutate(
      { name: trimmed, description: description.trim() || undefined, graph: template.graph() },
      { onSuccess: (program) => navigate(`/programs/${program.id}`) },
    );
  };

  return (
    <Dialog
      isOpen={isOpen}
      onClose={onClose}
      title="New program"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button button--primary"
            disabled={create.isPending}
          >
            {create.isPending ? <Spinner /> : null}
            Create and open
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="form" onSubmit={onSubmit} noValidate>
        <fieldset className="template-picker">
          <legend className="field__label">Start from</legend>
          {programTemplates.map((candidate) => (
            <label key={candidate.id} className="template-picker__option">
              <input
                type="radio"
                name={`${id}-template`}
                value={candidate.id}
                checked={templateId === candidate.id}
                onChange={() => setTemplateId(candidate.id)}
              />
              <span>
                <span className="template-picker__name">{candidate.name}</span>
                <span className="template-picker__description">{candidate.description}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <TextField
          label="Name"
          name="name"
          maxLength={120}
          value={name}
          placeholder={template.id === 'blank' ? 'Onboarding week' : template.name}
          data-autofocus
          hint={template.id === 'blank' ? undefined : `Empty keeps “${template.name}”.`}
          error={problem ?? serverErrors.name ?? null}
          onChange={(event) => setName(event.target.value)}
        />
        <TextAreaField
          label="Description"
          name="description"
          isOptional
          rows={2}
          maxLength={2000}
          value={description}
          hint="For your team: what the program is for."
          error={serverErrors.description ?? null}
          onChange={(event) => setDescription(event.target.value)}
        />
        <FormError error={create.error} />
      </form>
    </Dialog>
  );
};
