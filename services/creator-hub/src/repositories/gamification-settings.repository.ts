import type { TenantTx } from '@companero/db/tenant';

/** The creator's gamification settings (GamificationSettings in packages/contracts), one row per creator. */
export const gamificationSettingsRepository = {
  /** The stored settings object, or null when the creator never saved any. */
  async get(tx: TenantTx): Promise<unknown | null> {
    const { rows } = await tx.query<{ settings: unknown }>(
      'select settings from gamification_settings where creator_id = $1',
      [tx.creatorId],
    );
    return rows[0]?.settings ?? null;
  },
  async upsert(tx: TenantTx, settings: unknown): Promise<void> {
    await tx.query(
      `insert into gamification_settings (creator_id, settings) values ($1, $2::jsonb)
       on conflict (creator_id) do update set settings = excluded.settings, updated_at = now()`,
      [tx.creatorId, JSON.stringify(settings)],
    );
  },
};
