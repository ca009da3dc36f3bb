import { type ReactNode, useId, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../../api/api-error';
import { formatDateTime, formatRelative } from '../../../lib/date-format';
import { CursorPagination } from '../../../ui/cursor-pagination';
import { EmptyState, ErrorState, LoadingState, Spinner } from '../../../ui/states';
import { useToast } from '../../../ui/toaster';
import {
  deliveryStatusLabels,
  type TDelivery,
  type TDeliveryStatus,
  useDeliveries,
  useRetryDelivery,
} from '../channels.api';

/** The filters offered, dead letters first: they are the ones that need a person. */
const shownStatuses = ['dead', 'failed', 'waiting', 'pending', 'sent'] as const satisfies TDeliveryStatus[];
type ShownStatus = (typeof shownStatuses)[number];

const filterLabels: Record<ShownStatus, string> = {
  dead: 'Dead letters',
  failed: 'Failed',
  waiting: 'Waiting',
  pending: 'Pending',
  sent: 'Sent',
};

const explanations: Record<ShownStatus, string> = {
  dead: 'Messages given up on after every retry. Fix the cause shown (often a channel’s credentials), then retry them.',
  failed: 'The last attempt failed; another is scheduled on its own. Retry to try again now.',
  waiting:
    'Outside WhatsApp’s 24-hour window with no approved template: they go out when the member writes again, or when retried after a template is set.',
  pending: 'Queued to go out in a moment.',
  sent: 'Accepted by the channel’s provider.',
};

const emptyStates: Record<ShownStatus, { title: string; body: string }> = {
  dead: {
    title: 'No dead letters',
    body: 'Every message either reached its channel or is still being tried.',
  },
  failed: { title: 'No failed messages', body: 'No message is waiting for another attempt.' },
  waiting: { title: 'Nothing waiting', body: 'No message is held back.' },
  pending: {
    title: 'Nothing queued',
    body: 'The queue is empty: messages go out as soon as they are written.',
  },
  sent: {
    title: 'Nothing sent yet',
    body: 'Messages your coach sends through WhatsApp, Telegram or push are listed here once the provider has them.',
  },
};

const statusTones: Record<TDeliveryStatus, string> = {
  pending: 'queued',
  sending: 'processing',
  sent: 'ready',
  waiting: 'warning',
  failed: 'failed',
  dead: 'failed',
  cancelled: 'dismissed',
};

const channelLabels: Record<string, string> = {
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  push: 'Push',
  email: 'Email',
};

/** The start of a message, to tell rows apart in the names of their links and buttons. */
const excerpt = (delivery: TDelivery) =>
  delivery.preview.length > 40 ? `${delivery.preview.slice(0, 40)}…` : delivery.preview;

// The statuses the API requeues (it answers 404 for the others).
const isRetryable = (delivery: TDelivery) => ['dead', 'failed', 'waiting'].includes(delivery.status);

const isShownStatus = (value: string | null): value is ShownStatus =>
  shownStatuses.some((status) => status === value);

const DeliveryRow = ({
  delivery,
  canManage,
  disabledHint,
}: {
  delivery: TDelivery;
  canManage: boolean;
  disabledHint: string;
}) => {
  const retry = useRetryDelivery();
  const notify = useToast();
  return (
    <tr>
      <td className="delivery__message">
        <span className="delivery__preview">
          {delivery.preview || <span className="muted">(no text)</span>}
        </span>
        <span className="table__sub">
          <span className={`chip chip--channel chip--${delivery.channel}`}>
            {channelLabels[delivery.channel] ?? delivery.channel}
          </span>{' '}
          to{' '}
          <Link
            to={`/members/${encodeURIComponent(delivery.memberId)}`}
            aria-label={`The member who should receive “${excerpt(delivery)}”`}
          >
            member
          </Link>
        </span>
      </td>
      <td>
        <span className={`badge badge--status badge--${statusTones[delivery.status]}`}>
          {deliveryStatusLabels[delivery.status]}
        </span>
        <span className="table__sub">
          {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
        </span>
      </td>
      <td className="delivery__error">
        {delivery.lastError ? delivery.lastError : <span className="muted">—</span>}
        {delivery.nextAttemptAt && delivery.status !== 'dead' ? (
          <span className="table__sub">
            Next try{' '}
            <time dateTime={delivery.nextAttemptAt} title={formatDateTime(delivery.nextAttemptAt)}>
              {formatRelative(delivery.nextAttemptAt)}
            </time>
          </span>
        ) : null}
      </td>
      <td className="hide-narrow">
        <time dateTime={delivery.updatedAt} title={formatDateTime(delivery.updatedAt)}>
          {formatRelative(delivery.updatedAt)}
        </time>
        <span className="table__sub">queued {formatDateTime(delivery.createdAt)}</span>
      </td>
      <td className="table__actions">
        {isRetryable(delivery) ? (
          <button
            type="button"
            className="button button--compact"
            disabled={!canManage || retry.isPending}
            title={canManage ? undefined : disabledHint}
            aria-label={`Retry “${excerpt(delivery)}”`}
            onClick={() =>
              retry.mutate(delivery.id, {
                onSuccess: () => notify('Queued to be sent again.'),
                onError: (error) => notify(errorMessage(error), 'error'),
              })
            }
          >
            {retry.isPending ? <Spinner /> : null}
            Retry
          </button>
        ) : null}
      </td>
    </tr>
  );
};

/** The outbound queue: what is on its way to members through providers, and the dead letters to retry. */
export const OutboundMessages = ({
  canManage,
  disabledHint,
}: {
  canManage: boolean;
  disabledHint: string;
}) => {
  const id = useId();
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get('outbound');
  const status: ShownStatus = isShownStatus(requested) ? requested : 'dead';
  // One cursor per page visited, so "Previous" works without backwards cursors; a new filter starts at page 1.
  const [paging, setPaging] = useState({ status, cursors: [null] as (string | null)[] });
  const cursors = paging.status === status ? paging.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;
  const deliveries = useDeliveries(status, cursor);

  let body: ReactNode;
  if (deliveries.isPending) body = <LoadingState label="Loading outbound messages…" />;
  else if (deliveries.isError)
    body = (
      <ErrorState
        error={deliveries.error}
        title="Outbound messages could not be loaded"
        onRetry={() => deliveries.refetch()}
      />
    );
  else if (deliveries.data.items.length === 0 && cursors.length === 1)
    body = (
      <EmptyState title={emptyStates[status].title} icon="send">
        <p>{emptyStates[status].body}</p>
      </EmptyState>
    );
  else
    body = (
      <>
        <div className={`table-scroll${deliveries.isPlaceholderData ? ' is-refreshing' : ''}`}>
          <table className="table table--deliveries">
            <caption className="visually-hidden">{filterLabels[status]}</caption>
            <thead>
              <tr>
                <th scope="col">Message</th>
                <th scope="col">Status</th>
                <th scope="col">Last error</th>
                <th scope="col" className="hide-narrow">
                  Updated
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.data.items.map((delivery) => (
                <DeliveryRow
                  key={delivery.id}
                  delivery={delivery}
                  canManage={canManage}
                  disabledHint={disabledHint}
                />
              ))}
            </tbody>
          </table>
        </div>
        <CursorPagination
          page={cursors.length}
          hasPrevious={cursors.length > 1}
          hasNext={Boolean(deliveries.data.nextCursor)}
          isFetching={deliveries.isFetching}
          itemLabel="messages"
          onPrevious={() => setPaging({ status, cursors: cursors.slice(0, -1) })}
          onNext={() => setPaging({ status, cursors: [...cursors, deliveries.data.nextCursor ?? null] })}
        />
      </>
    );

  return (
    <section className="card outbound" aria-labelledby={`${id}-title`}>
      <header className="card__header">
        <div>
          <h2 className="card__title" id={`${id}-title`}>
            Outbound messages
          </h2>
          <p className="card__description">
            Replies and messages on their way to members through WhatsApp, Telegram and push.
          </p>
        </div>
        <button
          type="button"
          className="button button--compact"
          disabled={deliveries.isFetching}
          onClick={() => deliveries.refetch()}
        >
          {deliveries.isFetching && !deliveries.isPending ? <Spinner /> : null}
          Refresh
        </button>
      </header>
      <fieldset className="segmented">
        <legend className="visually-hidden">Show outbound messages</legend>
        {shownStatuses.map((option) => (
          <label key={option} className="segmented__option">
            <input
              type="radio"
              name="outbound-status"
              value={option}
              checked={status === option}
              onChange={() =>
                setSearchParams(
                  (current) => {
                    const next = new URLSearchParams(current);
                    if (option === 'dead') next.delete('outbound');
                    else next.set('outbound', option);
                    return next;
                  },
                  { replace: true },
                )
              }
            />
            <span>{filterLabels[option]}</span>
          </label>
        ))}
      </fieldset>
      <p className="muted">{explanations[status]}</p>
      {body}
    </section>
  );
};
