import type { TenantTx } from '@companero/db/tenant';

/** The creator's encrypted program-webhook signing secret (a column of proactive_settings). */
export const webhookSecretRepository = {
  async get(tx: TenantTx): Promise<string | null> {
    const { rows } = await tx.query<{ secret: string | null }>(
      'select webhook_secret as secret from proactive_settings where creator_id = $1',
      [tx.creatorId],
    );
    return rows[0]?.secret ?? null;
  },
  /** Stores `encrypted` unless a secret exists (two first sends at once keep one); returns the stored one. */
  async setIfAbsent(tx: TenantTx, encrypted: string): Promise<string> {
    const { rows } = await tx.query<{ secret: string }>(
      `insert into proactive_settings (creator_id, webhook_secret) values ($1, $2)
       on conflict (creator_id) do update set webhook_secret = coalesce(proactive_settings.webhook_secret, excluded.webhook_secret)
       returning webhook_secret as secret`,
      [tx.creatorId, encrypted],
    );
    return rows[0]!.secret;
  },
  async replace(tx: TenantTx, encrypted: string): Promise<void> {
    await tx.query(
      `insert into proactive_settings (creator_id, webhook_secret) values ($1, $2)
       on conflict (creator_id) do update set webhook_secret = excluded.webhook_secret, updated_at = now()`,
      [tx.creatorId, encrypted],
    );
  },
};
