import { type TWidgetTheme, ZWidgetTheme } from '@companero/contracts/channel/widget';
import type { TenantTx } from '@companero/db/tenant';

export type WidgetSettingsRow = {
  theme: TWidgetTheme;
  allowedOrigins: string[];
  /** Encrypted; present when the creator turned identity verification on. */
  identitySecret: string | null;
  updatedAt: Date | null;
};

/** The widget's look and the origins allowed to open sessions; defaults until the creator saves them. */
export const widgetSettingsRepository = {
  async get(tx: TenantTx): Promise<WidgetSettingsRow> {
    const { rows } = await tx.query<Omit<WidgetSettingsRow, 'theme'> & { theme: unknown }>(
      `select theme, allowed_origins as "allowedOrigins", identity_secret as "identitySecret", updated_at as "updatedAt"
         from widget_settings where creator_id = $1`,
      [tx.creatorId],
    );
    const row = rows[0];
    // Parsing fills the defaults of fields added after the row was saved.
    const theme = ZWidgetTheme.parse(row?.theme ?? {});
    return row ? { ...row, theme } : { theme, allowedOrigins: [], identitySecret: null, updatedAt: null };
  },
  async save(tx: TenantTx, input: { theme: TWidgetTheme; allowedOrigins: string[] }): Promise<void> {
    await tx.query(
      `insert into widget_settings (creator_id, theme, allowed_origins) values ($1, $2, $3)
       on conflict (creator_id) do update set theme = excluded.theme, allowed_origins = excluded.allowed_origins, updated_at = now()`,
      [tx.creatorId, JSON.stringify(input.theme), input.allowedOrigins],
    );
  },
  async setIdentitySecret(tx: TenantTx, encryptedSecret: string): Promise<void> {
    await tx.query(
      `insert into widget_settings (creator_id, identity_secret) values ($1, $2)
       on conflict (creator_id) do update set identity_secret = excluded.identity_secret, updated_at = now()`,
      [tx.creatorId, encryptedSecret],
    );
  },
};
