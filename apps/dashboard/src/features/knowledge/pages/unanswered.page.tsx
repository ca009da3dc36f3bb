import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../../api/api-error';
import { formatDate, formatDateTime, formatRelative } from '../../../lib/date-format';
import { EmptyState, ErrorState, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import { useDocumentTitle } from '../../../ui/use-document-title';
import { permissionHint, useCan, useClaims } from '../../auth/session';
import { AnswerQuestionDialog } from '../components/answer-question-dialog';
import { DocumentStatus } from '../components/document-status';
import { useKnowledgeLive } from '../components/knowledge-layout';
import {
  type TUnansweredQuestion,
  type UnansweredStatus,
  useDismissQuestion,
  useDocument,
  useUnansweredQuestions,
  withLiveStatus,
} from '../knowledge.api';

const statusOptions: { value: UnansweredStatus; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'answered', label: 'Answered' },
  { value: 'dismissed', label: 'Dismissed' },
];

const emptyStates: Record<UnansweredStatus, { title: string; body: string }> = {
  open: {
    title: 'No unanswered questions',
    body: 'When a member asks something your knowledge does not cover, the coach says so instead of guessing, and the question waits here. Answer it once and the coach uses your answer from then on.',
  },
  answered: {
    title: 'No answered questions yet',
    body: 'Questions you answer here move to this list, and each answer becomes a knowledge document.',
  },
  dismissed: {
    title: 'Nothing dismissed',
    body: 'Questions you dismiss (off-topic, or not something your coach should answer) are kept here.',
  },
};

/** The knowledge document an answer became, and how far its processing is. */
const AnswerDocumentStatus = ({ documentId }: { documentId: string }) => {
  const { events, connection } = useKnowledgeLive();
  const document = useDocument(documentId, { isLive: connection === 'open' });
  if (!document.data) return null;
  const shown = withLiveStatus(document.data, events.get(documentId));
  return (
    <div className="question__document">
      <span className="muted">Knowledge document:</span>
      <Link to={`/knowledge?q=${encodeURIComponent(shown.title.slice(0, 60))}`}>{shown.title}</Link>
      <DocumentStatus
        name={shown.title}
        status={shown.status}
        progress={shown.progress}
        chunkCount={shown.chunkCount}
        error={shown.error}
        canRetry={false}
        onRetry={() => {}}
      />
    </div>
  );
};

const QuestionItem = ({
  question,
  canEdit,
  disabledHint,
  onAnswer,
}: {
  question: TUnansweredQuestion;
  canEdit: boolean;
  disabledHint: string;
  onAnswer: (question: TUnansweredQuestion) => void;
}) => {
  const dismiss = useDismissQuestion();
  const notify = useToast();
  return (
    <li className={`card question question--${question.status}`}>
      <div className="question__main">
        <p className="question__text">{question.question}</p>
        <p className="question__meta">
          <span>
            Asked <strong>{question.timesAsked}</strong> time{question.timesAsked === 1 ? '' : 's'}
          </span>
          <span>
            last{' '}
            <time dateTime={question.lastAskedAt} title={formatDateTime(question.lastAskedAt)}>
              {formatRelative(question.lastAskedAt)}
            </time>
          </span>
          <span>
            first on <time dateTime={question.firstAskedAt}>{formatDate(question.firstAskedAt)}</time>
          </span>
          {question.status !== 'open' ? (
            <span
              className={`badge badge--status badge--${question.status === 'answered' ? 'ready' : 'dismissed'}`}
            >
              {question.status === 'answered' ? 'Answered' : 'Dismissed'}
            </span>
          ) : null}
        </p>
        {question.status === 'answered' && question.answer ? (
          <div className="question__answer">
            <p className="question__answer-text">{question.answer}</p>
            {question.answerDocumentId ? (
              <AnswerDocumentStatus documentId={question.answerDocumentId} />
            ) : null}
          </div>
        ) : null}
      </div>
      <div className="question__actions">
        {question.status !== 'answered' ? (
          <button
            type="button"
            className="button button--primary button--compact"
            disabled={!canEdit}
            title={canEdit ? undefined : disabledHint}
            onClick={() => onAnswer(question)}
          >
            Write the answer
          </button>
        ) : null}
        {question.status === 'open' ? (
          <button
            type="button"
            className="button button--compact"
            disabled={!canEdit || dismiss.isPending}
            title={canEdit ? undefined : disabledHint}
            onClick={() =>
              dismiss.mutate(question.id, {
                onSuccess: () => notify('Question dismissed.'),
                onError: (error) => notify(errorMessage(error), 'error'),
              })
            }
          >
            {dismiss.isPending ? <Spinner /> : null}
            Dismiss
          </button>
        ) : null}
      </div>
    </li>
  );
};

export const UnansweredPage = () => {
  useDocumentTitle('Unanswered questions');
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get('status');
  const status: UnansweredStatus = requested === 'answered' || requested === 'dismissed' ? requested : 'open';
  const questions = useUnansweredQuestions(status);
  const { role } = useClaims();
  const canEdit = useCan('editKnowledge');
  const disabledHint = permissionHint('editKnowledge', role);
  const [answering, setAnswering] = useState<TUnansweredQuestion | null>(null);

  let body: React.ReactNode;
  if (questions.isPending) body = <LoadingState label="Loading questions…" />;
  else if (questions.isError)
    body = (
      <ErrorState
        error={questions.error}
        title="Questions could not be loaded"
        onRetry={() => questions.refetch()}
      />
    );
  else if (questions.data.items.length === 0)
    body = (
      <EmptyState title={emptyStates[status].title} icon="question">
        <p>{emptyStates[status].body}</p>
      </EmptyState>
    );
  else
    body = (
      <ul
        className="question-list"
        aria-label={`${statusOptions.find((option) => option.value === status)?.label} questions`}
      >
        {questions.data.items.map((question) => (
          <QuestionItem
            key={question.id}
            question={question}
            canEdit={canEdit}
            disabledHint={disabledHint}
            onAnswer={setAnswering}
          />
        ))}
      </ul>
    );

  return (
    <div className="unanswered">
      <div className="unanswered__bar">
        <p className="muted">
          Questions the coach could not answer from your knowledge, most asked first. Your answer becomes a
          document the coach cites.
        </p>
        <fieldset className="segmented">
          <legend className="visually-hidden">Show questions</legend>
          {statusOptions.map((option) => (
            <label key={option.value} className="segmented__option">
              <input
                type="radio"
                name="unanswered-status"
                value={option.value}
                checked={status === option.value}
                onChange={() =>
                  setSearchParams(option.value === 'open' ? {} : { status: option.value }, { replace: true })
                }
              />
              <span>{option.label}</span>
            </label>
          ))}
        </fieldset>
      </div>
      {!canEdit ? (
        <p className="notice notice--info">
          You have the {role} role: you can read these questions. Answering or dismissing them needs an
          editor.
        </p>
      ) : null}
      {body}
      <AnswerQuestionDialog question={answering} onClose={() => setAnswering(null)} />
    </div>
  );
};
