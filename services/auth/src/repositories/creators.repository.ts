import type { AppTx, TenantTx } from '@companero/db/tenant';

export type CreatorRow = { id: string; name: string; slug: string; timezone: string; createdAt: Date };

const columns = `id, name, slug, timezone, created_at as "createdAt"`;

export const creatorsRepository = {
  /** Inserts the tenant row itself: the transaction's tenant must be the new creator's id. */
  async insert(tx: TenantTx, input: { name: string; slug: string; timezone: string }): Promise<CreatorRow> {
    const { rows } = await tx.query<CreatorRow>(
      `insert into creators (id, name, slug, timezone) values ($1, $2, $3, $4) returning ${columns}`,
      [tx.creatorId, input.name, input.slug, input.timezone],
    );
    return rows[0]!;
  },
  async getCurrent(tx: TenantTx): Promise<CreatorRow | null> {
    const { rows } = await tx.query<CreatorRow>(`select ${columns} from creators where id = $1`, [
      tx.creatorId,
    ]);
    return rows[0] ?? null;
  },
  async deleteCurrent(tx: TenantTx): Promise<void> {
    await tx.query('delete from creators where id = $1', [tx.creatorId]);
  },
  /** Under the slug-lookup policy only the named creator is visible; anything else reads as absent. */
  async getBySlug(tx: AppTx, slug: string): Promise<CreatorRow | null> {
    const { rows } = await tx.query<CreatorRow>(`select ${columns} from creators where slug = $1`, [slug]);
    return rows[0] ?? null;
  },
};
