import type { AppTx } from '@companero/db/tenant';
import type { JWK } from 'jose';

export type SigningKeyRow = {
  kid: string;
  publicJwk: JWK;
  privateKeyCiphertext: string;
  status: 'active' | 'retired';
  createdAt: Date;
  retiredAt: Date | null;
};

const columns = `kid, public_jwk as "publicJwk", private_key_ciphertext as "privateKeyCiphertext", status,
  created_at as "createdAt", retired_at as "retiredAt"`;

export const signingKeysRepository = {
  async getActive(tx: AppTx): Promise<SigningKeyRow | null> {
    const { rows } = await tx.query<SigningKeyRow>(
      `select ${columns} from signing_keys where status = 'active'`,
    );
    return rows[0] ?? null;
  },
  /** Keys whose tokens may still be alive: the active one and those retired less than `graceSeconds` ago. */
  async listPublished(tx: AppTx, graceSeconds: number): Promise<SigningKeyRow[]> {
    const { rows } = await tx.query<SigningKeyRow>(
      `select ${columns} from signing_keys
        where status = 'active' or retired_at > now() - make_interval(secs => $1)
        order by created_at desc`,
      [graceSeconds],
    );
    return rows;
  },
  async retireActive(tx: AppTx): Promise<void> {
    await tx.query(`update signing_keys set status = 'retired', retired_at = now() where status = 'active'`);
  },
  /** Returns false when another process inserted the active key first (unique partial index). */
  async insertActive(
    tx: AppTx,
    input: { kid: string; publicJwk: JWK; privateKeyCiphertext: string },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `insert into signing_keys (kid, public_jwk, private_key_ciphertext, status) values ($1, $2, $3, 'active')
       on conflict do nothing`,
      [input.kid, JSON.stringify(input.publicJwk), input.privateKeyCiphertext],
    );
    return rowCount > 0;
  },
};
