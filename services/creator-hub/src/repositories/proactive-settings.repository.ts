import type { TenantTx } from '@companero/db/tenant';

/**
 * The creator's proactive sending rules (the `settings` column of proactive_settings, ProactiveSettings in
 * packages/contracts). The row also holds the webhook signing secret (webhook-secret.repository.ts): these
 * statements never touch that column.
 */
export const proactiveSettingsRepository = {
  /** The stored settings object, or null when the creator never saved any. */
  async get(tx: TenantTx): Promise<unknown | null> {
    const { rows } = await tx.query<{ settings: unknown }>(
      'select settings from proactive_settings where creator_id = $1',
      [tx.creatorId],
    );
    return rows[0]?.settings ?? null;
  },
  async upsert(tx: TenantTx, settings: unknown): Promise<void> {
    await tx.query(
      `insert into proactive_settings (creator_id, settings) values ($1, $2::jsonb)
       on conflict (creator_id) do update set settings = excluded.settings, updated_at = now()`,
      [tx.creatorId, JSON.stringify(settings)],
    );
  },
};
