import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../../api/api-error';
import { Icon } from '../../../ui/icons';
import { useAsk } from '../coach.api';
import { AnswerTurn, type PlaygroundTurn } from './answer-turn';

const maxQuestionLength = 4000;
let nextTurn = 1;

/**
 * Ask the coach as a member would and watch the answer stream in, with its sources. Follow-up questions stay in
 * one conversation (the coach sees the earlier turns) until "New conversation".
 */
export const Playground = ({ coachName, welcomeMessage }: { coachName: string; welcomeMessage: string }) => {
  const id = useId();
  const ask = useAsk();
  const [turns, setTurns] = useState<PlaygroundTurn[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [question, setQuestion] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [openCitation, setOpenCitation] = useState<{ turn: string; index: number } | null>(null);
  const controller = useRef<AbortController | null>(null);
  const transcript = useRef<HTMLOListElement>(null);
  const isStreaming = turns.some((turn) => turn.state === 'streaming');
  const provider = [...turns].reverse().find((turn) => turn.provider)?.provider ?? null;
  const lastTurn = turns.at(-1);
  // The answer streams outside any live region (a word at a time would be noise); its outcome is announced once.
  const announcement =
    lastTurn?.state === 'done'
      ? lastTurn.grounded
        ? `The coach answered from your knowledge, citing ${lastTurn.citations.length} source${lastTurn.citations.length === 1 ? '' : 's'}.`
        : 'The coach answered with your fallback message: this is not in your knowledge.'
      : lastTurn?.state === 'failed'
        ? 'The answer failed.'
        : '';

  useEffect(() => () => controller.current?.abort(), []);
  // Follow the answer as it grows, inside the transcript only (the page itself does not jump).
  const lastAnswerLength = turns.at(-1)?.answer.length ?? 0;
  // biome-ignore lint/correctness/useExhaustiveDependencies: it runs because the transcript grew
  useEffect(() => {
    const list = transcript.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [turns.length, lastAnswerLength]);

  const patch = (
    key: string,
    change: Partial<PlaygroundTurn> | ((turn: PlaygroundTurn) => Partial<PlaygroundTurn>),
  ) =>
    setTurns((current) =>
      current.map((turn) =>
        turn.key === key ? { ...turn, ...(typeof change === 'function' ? change(turn) : change) } : turn,
      ),
    );

  const send = (text: string) => {
    const key = `turn-${nextTurn++}`;
    const abort = new AbortController();
    controller.current = abort;
    setTurns((current) => [
      ...current,
      {
        key,
        question: text,
        answer: '',
        citations: [],
        state: 'streaming',
        error: null,
        messageId: null,
        grounded: null,
        provider: null,
        rating: null,
      },
    ]);
    ask(
      { question: text, conversationId },
      {
        signal: abort.signal,
        onToken: (delta) => patch(key, (turn) => ({ answer: turn.answer + delta })),
        onCitations: (citations) => patch(key, { citations }),
      },
    )
      .then((result) => {
        setConversationId(result.conversationId);
        patch(key, {
          state: 'done',
          answer: result.answer,
          citations: result.citations,
          messageId: result.messageId,
          grounded: result.grounded,
          provider: result.provider,
        });
      })
      .catch((error: unknown) => {
        const isAbort = error instanceof DOMException && error.name === 'AbortError';
        patch(key, { state: isAbort ? 'stopped' : 'failed', error: isAbort ? null : errorMessage(error) });
      });
  };

  const onSubmit = (event?: FormEvent) => {
    event?.preventDefault();
    const text = question.trim();
    if (!text) {
      setProblem('Type a question first.');
      return;
    }
    if (text.length > maxQuestionLength) {
      setProblem(`Keep the question under ${maxQuestionLength.toLocaleString()} characters.`);
      return;
    }
    if (isStreaming) return;
    setProblem(null);
    setQuestion('');
    send(text);
  };

  const startOver = () => {
    controller.current?.abort();
    setTurns([]);
    setConversationId(null);
    setOpenCitation(null);
    setProblem(null);
  };

  return (
    <section className="card playground" aria-labelledby={`${id}-title`}>
      <header className="card__header">
        <div>
          <h2 className="card__title" id={`${id}-title`}>
            Playground
          </h2>
          <p className="card__description">
            Ask what a member would. Answers come from your knowledge, with their sources; nothing here
            reaches your members.
          </p>
        </div>
        <button
          type="button"
          className="button button--compact"
          onClick={startOver}
          disabled={turns.length === 0 && !conversationId}
        >
          <Icon name="plus" size={16} /> New conversation
        </button>
      </header>
      {provider === 'extractive' ? (
        <p className="notice notice--info" role="note">
          No language model configured: answers quote your materials.
        </p>
      ) : null}
      <ol
        className="transcript playground__transcript"
        ref={transcript}
        aria-label="Conversation with your coach"
        aria-live="off"
      >
        <li className="transcript__item">
          <article className="bubble bubble--in bubble--welcome">
            <header className="bubble__meta">
              <span className="bubble__author">{coachName}</span>
              <span>greets members with</span>
            </header>
            <p className="bubble__text">{welcomeMessage}</p>
          </article>
        </li>
        {turns.map((turn, index) => (
          <li key={turn.key} className="transcript__item">
            <article className="bubble bubble--out">
              <header className="bubble__meta">
                <span className="bubble__author">You</span>
              </header>
              <p className="bubble__text">{turn.question}</p>
            </article>
            <AnswerTurn
              turn={turn}
              coachName={coachName}
              openCitation={openCitation?.turn === turn.key ? openCitation.index : null}
              onOpenCitation={(citation) =>
                setOpenCitation(citation === null ? null : { turn: turn.key, index: citation })
              }
              onRated={(rating) => patch(turn.key, { rating })}
              onRetry={() => {
                if (isStreaming) return;
                setTurns((current) => current.filter((entry) => entry.key !== turn.key));
                send(turns[index]?.question ?? turn.question);
              }}
            />
          </li>
        ))}
      </ol>
      {turns.length === 0 ? (
        <p className="muted playground__tip">
          Try a question your members ask often. If the answer is not in your knowledge, the coach says so and
          the question lands in <Link to="/knowledge/unanswered">Unanswered questions</Link>.
        </p>
      ) : null}
      <form className="playground__composer" onSubmit={onSubmit} noValidate>
        <label htmlFor={`${id}-question`} className="visually-hidden">
          Your question
        </label>
        <textarea
          id={`${id}-question`}
          className="input textarea playground__input"
          rows={2}
          placeholder="Ask your coach…"
          value={question}
          maxLength={maxQuestionLength}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-problem ${id}-keys` : `${id}-keys`}
          onChange={(event) => {
            setQuestion(event.target.value);
            if (problem) setProblem(null);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              onSubmit();
            }
          }}
        />
        {isStreaming ? (
          <button type="button" className="button" onClick={() => controller.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="submit" className="button button--primary">
            <Icon name="send" size={16} /> Ask
          </button>
        )}
      </form>
      <p className="playground__keys muted" id={`${id}-keys`}>
        Enter sends; Shift+Enter starts a new line.
      </p>
      {problem ? (
        <p className="field__error" id={`${id}-problem`}>
          {problem}
        </p>
      ) : null}
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {conversationId ? (
        <p className="playground__conversation muted">
          Follow-up questions continue this conversation, so the coach remembers what was said.
        </p>
      ) : null}
    </section>
  );
};
