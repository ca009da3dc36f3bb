import type { SecretBox } from '@companero/core/crypto/secret-box';
import type { AppTx, TenantTx } from '@companero/db/tenant';
import type { ChannelConnection } from './connection-types';

type ConnectionRow = {
  id: string;
  creatorId: string;
  channel: 'whatsapp' | 'telegram';
  status: 'active' | 'error' | 'disabled';
  settings: Record<string, unknown>;
  secrets: string;
  lastError: string | null;
  lastEventAt: Date | null;
  createdAt: Date;
};

export type ConnectionSummary = Omit<ConnectionRow, 'secrets'>;

const columns = `id, creator_id as "creatorId", channel, status, settings, secrets, last_error as "lastError",
  last_event_at as "lastEventAt", created_at as "createdAt"`;

const open = (row: ConnectionRow, box: SecretBox): ChannelConnection =>
  ({
    id: row.id,
    creatorId: row.creatorId,
    channel: row.channel,
    status: row.status,
    settings: row.settings,
    secrets: JSON.parse(box.decrypt(row.secrets)),
  }) as ChannelConnection;

/** WhatsApp and Telegram connections. Secrets are one encrypted JSON blob, decrypted only where used. */
export const connectionsRepository = {
  /** A webhook names only the connection id: read it in the app-role scope that opens exactly this row. */
  async findForWebhook(tx: AppTx, id: string, box: SecretBox): Promise<ChannelConnection | null> {
    const { rows } = await tx.query<ConnectionRow>(
      `select ${columns} from channel_connections where id = $1`,
      [id],
    );
    return rows[0] ? open(rows[0], box) : null;
  },
  async get(tx: TenantTx, id: string, box: SecretBox): Promise<ChannelConnection | null> {
    const { rows } = await tx.query<ConnectionRow>(
      `select ${columns} from channel_connections where id = $1`,
      [id],
    );
    return rows[0] ? open(rows[0], box) : null;
  },
  /** The creator's active connection on a channel (the most recent, when there are several). */
  async activeFor(
    tx: TenantTx,
    channel: 'whatsapp' | 'telegram',
    box: SecretBox,
  ): Promise<ChannelConnection | null> {
    const { rows } = await tx.query<ConnectionRow>(
      `select ${columns} from channel_connections where channel = $1 and status <> 'disabled'
        order by created_at desc limit 1`,
      [channel],
    );
    return rows[0] ? open(rows[0], box) : null;
  },
  async list(tx: TenantTx): Promise<ConnectionSummary[]> {
    const { rows } = await tx.query<ConnectionRow>(
      `select ${columns} from channel_connections order by created_at`,
    );
    return rows.map(({ secrets: _secrets, ...summary }) => summary);
  },
  /** Inserts, or returns null when this provider account is already connected for the creator. */
  async insert(
    tx: TenantTx,
    input: {
      channel: 'whatsapp' | 'telegram';
      accountKey: string;
      settings: object;
      secrets: object;
      id?: string;
    },
    box: SecretBox,
  ): Promise<{ id: string } | null> {
    const { rows } = await tx.query<{ id: string }>(
      `insert into channel_connections (id, creator_id, channel, account_key, settings, secrets)
       values (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6)
       on conflict (creator_id, channel, account_key) do nothing returning id`,
      [
        input.id ?? null,
        tx.creatorId,
        input.channel,
        input.accountKey,
        JSON.stringify(input.settings),
        box.encrypt(JSON.stringify(input.secrets)),
      ],
    );
    return rows[0] ?? null;
  },
  async remove(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from channel_connections where id = $1', [id]);
    return rowCount > 0;
  },
  async recordEvent(tx: TenantTx, id: string): Promise<void> {
    await tx.query(
      `update channel_connections set last_event_at = now(),
         status = case when status = 'error' then 'active' else status end where id = $1`,
      [id],
    );
  },
  async recordError(tx: TenantTx, id: string, message: string): Promise<void> {
    await tx.query(
      `update channel_connections set status = 'error', last_error = $2, updated_at = now() where id = $1`,
      [id, message.slice(0, 1000)],
    );
  },
};
