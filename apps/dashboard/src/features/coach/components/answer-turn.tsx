import { useId, useRef } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../../api/api-error';
import { Icon } from '../../../ui/icons';
import { useToast } from '../../../ui/toaster';
import { headingTrail } from '../../knowledge/knowledge.api';
import { providerLabels, splitCitations, type TCitation, useAnswerFeedback } from '../coach.api';

export type PlaygroundTurn = {
  key: string;
  question: string;
  answer: string;
  citations: TCitation[];
  state: 'streaming' | 'done' | 'failed' | 'stopped';
  error: string | null;
  messageId: string | null;
  grounded: boolean | null;
  provider: string | null;
  rating: 'up' | 'down' | null;
};

const citationPlace = (citation: TCitation) =>
  [headingTrail(citation.headingPath, citation.title), citation.page ? `page ${citation.page}` : null]
    .filter(Boolean)
    .join(' · ');

/** One source of an answer: where it comes from and the passage the coach used. */
const CitationPanel = ({ citation, onClose }: { citation: TCitation; onClose: () => void }) => {
  const place = citationPlace(citation);
  return (
    <section
      className="citation-panel"
      aria-label={`Source ${citation.index}: ${citation.title}`}
      tabIndex={-1}
    >
      <header className="citation-panel__head">
        <span className="citation-panel__number" aria-hidden="true">
          {citation.index}
        </span>
        <div className="citation-panel__title">
          <strong>{citation.title}</strong>
          {place ? <span className="citation-panel__place">{place}</span> : null}
        </div>
        <button
          type="button"
          className="icon-button icon-button--small"
          aria-label="Close the source"
          onClick={onClose}
        >
          ×
        </button>
      </header>
      <blockquote className="citation-panel__snippet">{citation.snippet}</blockquote>
      <p className="citation-panel__meta">
        Search score {citation.score.toFixed(3)} ·{' '}
        <Link to={`/knowledge?q=${encodeURIComponent(citation.title.slice(0, 60))}`}>Open in Knowledge</Link>
      </p>
    </section>
  );
};

/** An answer as it streams in: [n] markers link to their sources, which open below the answer. */
export const AnswerTurn = ({
  turn,
  coachName,
  openCitation,
  onOpenCitation,
  onRated,
  onRetry,
}: {
  turn: PlaygroundTurn;
  coachName: string;
  openCitation: number | null;
  onOpenCitation: (index: number | null) => void;
  onRated: (rating: 'up' | 'down') => void;
  onRetry: () => void;
}) => {
  const id = useId();
  const panelRef = useRef<HTMLDivElement>(null);
  const feedback = useAnswerFeedback();
  const notify = useToast();
  const byIndex = new Map(turn.citations.map((citation) => [citation.index, citation]));
  const parts = splitCitations(turn.answer, new Set(byIndex.keys()));
  const panelId = `${id}-source`;
  const opened = openCitation === null ? undefined : byIndex.get(openCitation);

  const open = (index: number) => {
    onOpenCitation(openCitation === index ? null : index);
    // After the panel renders, move focus there so the snippet is read next.
    requestAnimationFrame(() => {
      const panel = panelRef.current?.querySelector<HTMLElement>('.citation-panel');
      panel?.focus({ preventScroll: true });
      panel?.scrollIntoView?.({ block: 'nearest' });
    });
  };

  const rate = (rating: 'up' | 'down') => {
    if (!turn.messageId || turn.rating === rating) return;
    feedback.mutate(
      { messageId: turn.messageId, rating },
      {
        onSuccess: () => {
          onRated(rating);
          notify(rating === 'up' ? 'Thanks: marked as helpful.' : 'Thanks: marked as not helpful.');
        },
        onError: (error) => notify(errorMessage(error), 'error'),
      },
    );
  };

  const isNotGrounded = turn.state === 'done' && turn.grounded === false;
  return (
    <article
      className={`bubble bubble--in answer${isNotGrounded ? ' answer--not-grounded' : ''}`}
      aria-busy={turn.state === 'streaming'}
    >
      <header className="bubble__meta">
        <span className="bubble__author">{coachName}</span>
        {isNotGrounded ? <span className="badge badge--warning">Not in your knowledge</span> : null}
        {turn.state === 'done' && turn.grounded ? (
          <span className="badge badge--status badge--ready">From your knowledge</span>
        ) : null}
      </header>
      <p className="bubble__text answer__text">
        {parts.map((part, index) =>
          part.kind === 'text' ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text have no identity but their place
            <span key={index}>{part.text}</span>
          ) : (
            <button
              // biome-ignore lint/suspicious/noArrayIndexKey: the same source may be cited twice
              key={index}
              type="button"
              className={`citation-ref${openCitation === part.index ? ' citation-ref--open' : ''}`}
              aria-label={`Source ${part.index}: ${byIndex.get(part.index)?.title ?? ''}`}
              aria-expanded={openCitation === part.index}
              aria-controls={panelId}
              onClick={() => open(part.index)}
            >
              {part.index}
            </button>
          ),
        )}
        {turn.state === 'streaming' ? <span className="answer__caret" aria-hidden="true" /> : null}
      </p>
      {turn.state === 'streaming' && turn.answer === '' ? (
        <p className="muted answer__thinking">Searching your knowledge…</p>
      ) : null}
      {isNotGrounded ? (
        <p className="bubble__flag">
          Your knowledge does not cover this, so the coach sent your fallback message instead of guessing. The
          question is waiting under <Link to="/knowledge/unanswered">Unanswered questions</Link>.
        </p>
      ) : null}
      {turn.state === 'failed' || turn.state === 'stopped' ? (
        <div className="answer__problem" role={turn.state === 'failed' ? 'alert' : undefined}>
          <span>{turn.state === 'stopped' ? 'You stopped this answer.' : turn.error}</span>
          <button type="button" className="button button--compact" onClick={onRetry}>
            Ask again
          </button>
        </div>
      ) : null}
      {turn.citations.length > 0 ? (
        <div className="answer__sources">
          <span className="answer__sources-label">Sources</span>
          <ul className="citation-chips">
            {turn.citations.map((citation) => (
              <li key={citation.index}>
                <button
                  type="button"
                  className={`citation-chip${openCitation === citation.index ? ' citation-chip--open' : ''}`}
                  aria-expanded={openCitation === citation.index}
                  aria-controls={panelId}
                  onClick={() => open(citation.index)}
                >
                  <span className="citation-chip__number">{citation.index}</span>
                  <span className="citation-chip__title">{citation.title}</span>
                  {citation.page ? <span className="citation-chip__page">p. {citation.page}</span> : null}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div ref={panelRef} id={panelId}>
        {opened ? <CitationPanel citation={opened} onClose={() => onOpenCitation(null)} /> : null}
      </div>
      {turn.state === 'done' && turn.messageId ? (
        <footer className="answer__footer">
          <fieldset className="answer__rating">
            <legend className="visually-hidden">Rate this answer</legend>
            <button
              type="button"
              className="icon-button icon-button--small"
              aria-label="Helpful"
              aria-pressed={turn.rating === 'up'}
              disabled={feedback.isPending}
              onClick={() => rate('up')}
            >
              <Icon name="thumbUp" size={16} />
            </button>
            <button
              type="button"
              className="icon-button icon-button--small"
              aria-label="Not helpful"
              aria-pressed={turn.rating === 'down'}
              disabled={feedback.isPending}
              onClick={() => rate('down')}
            >
              <Icon name="thumbDown" size={16} />
            </button>
          </fieldset>
          {turn.provider ? (
            <span className="answer__provider">{providerLabels[turn.provider] ?? turn.provider}</span>
          ) : null}
        </footer>
      ) : null}
    </article>
  );
};
