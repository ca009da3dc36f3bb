import { useId, useMemo, useState } from 'react';
import { formatDate, formatDateTime, formatTime } from '../../../lib/date-format';
import { EmptyState, ErrorState, LoadingState, Spinner } from '../../../ui/states';
import { channelLabel, type TMemberDetail, type TMemberMessage, useMemberMessages } from '../members.api';

const dayKey = (iso: string) => new Date(iso).toDateString();

// The API names who wrote an outgoing message by kind; a person reads a name.
const outgoingAuthors: Record<string, string> = { coach: 'Coach', staff: 'Your team', system: 'Compañero' };

/** Every message with the member, across channels, oldest first, with a day heading whenever the day changes. */
export const MemberTranscript = ({ member, memberName }: { member: TMemberDetail; memberName: string }) => {
  const id = useId();
  const [conversationId, setConversationId] = useState<string | null>(null);
  const messages = useMemberMessages(member.id, conversationId);
  const items = useMemo(() => {
    const all = messages.data?.pages.flatMap((page) => page.items) ?? [];
    const unique = new Map<string, TMemberMessage>();
    for (const message of all) unique.set(message.id, message);
    return [...unique.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }, [messages.data]);

  let body: React.ReactNode;
  if (messages.isPending) body = <LoadingState label="Loading conversations…" />;
  else if (messages.isError)
    body = (
      <ErrorState
        error={messages.error}
        title="The conversation could not be loaded"
        onRetry={() => messages.refetch()}
      />
    );
  else if (items.length === 0)
    body = (
      <EmptyState title="No messages yet" icon="chat">
        <p>When {memberName} writes to your coach on any channel, the whole conversation shows up here.</p>
      </EmptyState>
    );
  else {
    body = (
      <ol className="transcript" aria-label={`Messages with ${memberName}`}>
        {items.map((message, index) => {
          const previous = items[index - 1];
          const isNewDay = !previous || dayKey(previous.createdAt) !== dayKey(message.createdAt);
          const isCoach = message.direction === 'out';
          return (
            <li key={message.id} className="transcript__item">
              {isNewDay ? (
                <div className="transcript__day" role="presentation">
                  <span>{formatDate(message.createdAt)}</span>
                </div>
              ) : null}
              <article className={`bubble ${isCoach ? 'bubble--out' : 'bubble--in'}`}>
                <header className="bubble__meta">
                  <span className="bubble__author">
                    {isCoach ? (outgoingAuthors[message.author] ?? message.author) : memberName}
                  </span>
                  <span className={`chip chip--channel chip--${message.channel}`}>
                    {channelLabel(message.channel)}
                  </span>
                  <time dateTime={message.createdAt} title={formatDateTime(message.createdAt)}>
                    {formatTime(message.createdAt)}
                  </time>
                </header>
                <p className="bubble__text">{message.content}</p>
                {isCoach && message.grounded === false ? (
                  <p className="bubble__flag">
                    Answered without your material: consider adding knowledge on this.
                  </p>
                ) : null}
              </article>
            </li>
          );
        })}
      </ol>
    );
  }

  return (
    <section className="card card--transcript" aria-labelledby={`${id}-title`}>
      <header className="card__header">
        <h2 className="card__title" id={`${id}-title`}>
          Conversations
        </h2>
        {member.conversations.length > 0 ? (
          <div className="card__header-control">
            <label htmlFor={`${id}-conversation`}>Show</label>
            <select
              id={`${id}-conversation`}
              className="input select input--compact"
              value={conversationId ?? ''}
              onChange={(event) => setConversationId(event.target.value || null)}
            >
              <option value="">All conversations ({member.conversations.length})</option>
              {member.conversations.map((conversation) => (
                <option key={conversation.id} value={conversation.id}>
                  {channelLabel(conversation.channel)} · {formatDate(conversation.startedAt)} ·{' '}
                  {conversation.messageCount} message{conversation.messageCount === 1 ? '' : 's'}
                </option>
              ))}
            </select>
          </div>
        ) : null}
      </header>
      {body}
      {messages.hasNextPage ? (
        <div className="card__actions card__actions--center">
          <button
            type="button"
            className="button"
            onClick={() => messages.fetchNextPage()}
            disabled={messages.isFetchingNextPage}
          >
            {messages.isFetchingNextPage ? <Spinner /> : null}
            Load more messages
          </button>
        </div>
      ) : null}
    </section>
  );
};
