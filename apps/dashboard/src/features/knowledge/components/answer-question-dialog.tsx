import { type FormEvent, useEffect, useId, useState } from 'react';
import { fieldErrorsOf } from '../../../api/api-error';
import { Dialog } from '../../../ui/dialog';
import { TextAreaField } from '../../../ui/form-field';
import { FormError, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { type TUnansweredQuestion, useAnswerQuestion } from '../knowledge.api';

const maxAnswerLength = 20_000;

/** The creator's answer to a question the knowledge did not cover; it becomes a knowledge document. */
export const AnswerQuestionDialog = ({
  question,
  onClose,
}: {
  question: TUnansweredQuestion | null;
  onClose: () => void;
}) => {
  const id = useId();
  const [answer, setAnswer] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const save = useAnswerQuestion();
  const notify = useToast();

  // biome-ignore lint/correctness/useExhaustiveDependencies: start afresh each time the dialog opens
  useEffect(() => {
    if (!question) return;
    setAnswer(question.answer ?? '');
    setProblem(null);
    save.reset();
  }, [question]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!question) return;
    const text = answer.trim();
    if (!text) {
      setProblem('Write the answer your coach should give.');
      return;
    }
    if (text.length > maxAnswerLength) {
      setProblem(
        `Keep it under ${maxAnswerLength.toLocaleString()} characters; split longer material into a document.`,
      );
      return;
    }
    save.mutate(
      { id: question.id, answer: text },
      {
        onSuccess: () => {
          notify('Answer saved. It is now part of your knowledge; the coach uses it once it is ready.');
          onClose();
        },
      },
    );
  };
  const serverError = fieldErrorsOf(save.error).answer;

  return (
    <Dialog
      isOpen={question !== null}
      onClose={onClose}
      title="Write the answer"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button button--primary"
            disabled={save.isPending}
          >
            {save.isPending ? <Spinner /> : null}
            Save answer
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="form" onSubmit={onSubmit} noValidate>
        <blockquote className="question-quote">{question?.question}</blockquote>
        <TextAreaField
          label="Your answer"
          name="answer"
          rows={8}
          autoFocus
          value={answer}
          maxLength={maxAnswerLength}
          hint="Write it as you would to a member. It is saved as a knowledge document titled with the question, so the coach can cite it from the next time anyone asks."
          onChange={(event) => setAnswer(event.target.value)}
          error={problem ?? serverError}
        />
        {save.error && !serverError ? <FormError error={save.error} /> : null}
      </form>
    </Dialog>
  );
};
