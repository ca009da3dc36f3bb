import type { TenantTx } from '@companero/db/tenant';

export type FolderRow = {
  id: string;
  name: string;
  parentId: string | null;
  documentCount: number;
  createdAt: Date;
};

const columns = `f.id, f.name, f.parent_id as "parentId", f.created_at as "createdAt",
  (select count(*)::int from knowledge_documents d where d.folder_id = f.id) as "documentCount"`;

export const foldersRepository = {
  async list(tx: TenantTx): Promise<FolderRow[]> {
    const { rows } = await tx.query<FolderRow>(
      `select ${columns} from knowledge_folders f order by lower(f.name), f.id`,
    );
    return rows;
  },
  async getById(tx: TenantTx, id: string): Promise<FolderRow | null> {
    const { rows } = await tx.query<FolderRow>(`select ${columns} from knowledge_folders f where f.id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  },
  async insert(tx: TenantTx, input: { name: string; parentId: string | null }): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      'insert into knowledge_folders (creator_id, name, parent_id) values ($1, $2, $3) returning id',
      [tx.creatorId, input.name, input.parentId],
    );
    return rows[0]!.id;
  },
  async update(
    tx: TenantTx,
    id: string,
    patch: { name?: string; parentId?: string | null },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      'update knowledge_folders set name = coalesce($2, name), parent_id = case when $3 then $4 else parent_id end where id = $1',
      [id, patch.name ?? null, patch.parentId !== undefined, patch.parentId ?? null],
    );
    return rowCount > 0;
  },
  /** True when `candidateParent` is `id` or one of its descendants (a move there would make a cycle). */
  async isSelfOrDescendant(tx: TenantTx, id: string, candidateParent: string): Promise<boolean> {
    const { rows } = await tx.query<{ found: boolean }>(
      `with recursive tree as (select id from knowledge_folders where id = $1
         union all select f.id from knowledge_folders f join tree t on f.parent_id = t.id)
       select exists (select 1 from tree where id = $2) as found`,
      [id, candidateParent],
    );
    return rows[0]?.found ?? false;
  },
  async delete(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from knowledge_folders where id = $1', [id]);
    return rowCount > 0;
  },
};
