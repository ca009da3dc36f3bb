import type { AppTx, TenantTx } from '@companero/db/tenant';

type Tx = AppTx | TenantTx;

export type AccountRow = {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  lastLoginAt: Date | null;
  createdAt: Date;
};

const columns = `id, email, name, password_hash as "passwordHash", last_login_at as "lastLoginAt", created_at as "createdAt"`;

/** Accounts are global (one person, many creators): they are read as the app role, outside any tenant. */
export const accountsRepository = {
  async getByEmail(tx: Tx, email: string): Promise<AccountRow | null> {
    const { rows } = await tx.query<AccountRow>(
      `select ${columns} from accounts where lower(email) = lower($1)`,
      [email],
    );
    return rows[0] ?? null;
  },
  async getById(tx: Tx, id: string): Promise<AccountRow | null> {
    const { rows } = await tx.query<AccountRow>(`select ${columns} from accounts where id = $1`, [id]);
    return rows[0] ?? null;
  },
  async listByIds(tx: Tx, ids: string[]): Promise<AccountRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await tx.query<AccountRow>(
      `select ${columns} from accounts where id = any($1::uuid[])`,
      [ids],
    );
    return rows;
  },
  async insert(tx: Tx, input: { email: string; name: string; passwordHash: string }): Promise<AccountRow> {
    const { rows } = await tx.query<AccountRow>(
      `insert into accounts (email, name, password_hash) values ($1, $2, $3) returning ${columns}`,
      [input.email, input.name, input.passwordHash],
    );
    return rows[0]!;
  },
  async touchLastLogin(tx: Tx, id: string): Promise<void> {
    await tx.query('update accounts set last_login_at = now() where id = $1', [id]);
  },
  async updatePasswordHash(tx: Tx, id: string, passwordHash: string): Promise<void> {
    await tx.query('update accounts set password_hash = $2 where id = $1', [id, passwordHash]);
  },
  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query('delete from accounts where id = $1', [id]);
  },
};
