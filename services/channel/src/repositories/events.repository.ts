import type { TenantTx } from '@companero/db/tenant';

export type Recipient = { memberId: string } | { accountId: string };

export type EventRow = { id: string; type: string; payload: Record<string, unknown> };

const recipientColumn = (recipient: Recipient) => ('memberId' in recipient ? 'member_id' : 'account_id');
const recipientValue = (recipient: Recipient) =>
  'memberId' in recipient ? recipient.memberId : recipient.accountId;

/** The replayable log of what each recipient's clients should show (ids are the `eventId`s). */
export const eventsRepository = {
  async append(
    tx: TenantTx,
    input: {
      recipient: Recipient;
      type: string;
      payload: object;
      conversationId?: string;
      messageId?: string;
    },
  ): Promise<string> {
    // Held until commit: the recipient's next event takes its id only after this one is visible, so each
    // recipient's ids follow commit order and `resume` from an id never skips one that commits later.
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 1))', [
      `channel-events:${recipientValue(input.recipient)}`,
    ]);
    const { rows } = await tx.query<{ id: string }>(
      `insert into channel_events (creator_id, member_id, account_id, conversation_id, message_id, type, payload)
       values ($1, $2, $3, $4, $5, $6, $7) returning id::text`,
      [
        tx.creatorId,
        'memberId' in input.recipient ? input.recipient.memberId : null,
        'accountId' in input.recipient ? input.recipient.accountId : null,
        input.conversationId ?? null,
        input.messageId ?? null,
        input.type,
        JSON.stringify(input.payload),
      ],
    );
    return rows[0]!.id;
  },
  async after(tx: TenantTx, recipient: Recipient, lastEventId: string, limit: number): Promise<EventRow[]> {
    const { rows } = await tx.query<EventRow>(
      `select id::text, type, payload from channel_events where ${recipientColumn(recipient)} = $1 and id > $2::bigint
        order by id limit $3`,
      [recipientValue(recipient), lastEventId, limit],
    );
    return rows;
  },
  /**
   * Every member's events of the creator after `lastEventId` (the team's live view). Ids follow commit order per
   * member, not across members, so a team client's resume may miss an event that committed late; the transcript
   * in the dashboard is the record.
   */
  async afterForCreator(tx: TenantTx, lastEventId: string, limit: number): Promise<EventRow[]> {
    const { rows } = await tx.query<EventRow>(
      `select id::text, type, payload from channel_events where member_id is not null and id > $1::bigint order by id limit $2`,
      [lastEventId, limit],
    );
    return rows;
  },
  async latestId(tx: TenantTx, recipient: Recipient): Promise<string | null> {
    const { rows } = await tx.query<{ id: string | null }>(
      `select max(id)::text as id from channel_events where ${recipientColumn(recipient)} = $1`,
      [recipientValue(recipient)],
    );
    return rows[0]?.id ?? null;
  },
};
