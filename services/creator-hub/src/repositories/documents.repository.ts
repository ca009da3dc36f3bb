import type { TenantTx } from '@companero/db/tenant';

export type DocumentRow = {
  id: string;
  title: string;
  fileName: string;
  mimeType: string;
  bytes: number;
  folderId: string | null;
  tags: string[];
  status: 'queued' | 'processing' | 'ready' | 'failed';
  progress: number;
  chunkCount: number;
  pageCount: number | null;
  error: string | null;
  source: 'upload' | 'answer';
  createdAt: Date;
  updatedAt: Date;
};

const columns = `id, title, file_name as "fileName", mime_type as "mimeType", bytes, folder_id as "folderId", tags, status,
  progress, chunk_count as "chunkCount", page_count as "pageCount", error, source, created_at as "createdAt", updated_at as "updatedAt"`;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (character) => `\\${character}`);

export const documentsRepository = {
  async insert(
    tx: TenantTx,
    input: {
      title: string;
      fileName: string;
      mimeType: string;
      content: Buffer;
      sha256: string;
      folderId: string | null;
      tags: string[];
      createdBy: string | null;
      source: 'upload' | 'answer';
    },
  ): Promise<DocumentRow> {
    const { rows } = await tx.query<DocumentRow>(
      `insert into knowledge_documents (creator_id, title, file_name, mime_type, bytes, sha256, content, folder_id, tags, created_by, source)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning ${columns}`,
      [
        tx.creatorId,
        input.title,
        input.fileName,
        input.mimeType,
        input.content.length,
        input.sha256,
        input.content,
        input.folderId,
        input.tags,
        input.createdBy,
        input.source,
      ],
    );
    return rows[0]!;
  },
  async getBySha256(tx: TenantTx, sha256: string): Promise<DocumentRow | null> {
    const { rows } = await tx.query<DocumentRow>(
      `select ${columns} from knowledge_documents where sha256 = $1`,
      [sha256],
    );
    return rows[0] ?? null;
  },
  async getById(tx: TenantTx, id: string): Promise<DocumentRow | null> {
    const { rows } = await tx.query<DocumentRow>(`select ${columns} from knowledge_documents where id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  },
  async list(
    tx: TenantTx,
    query: { folderId?: string; status?: string; q?: string; tag?: string; limit: number },
    after?: { createdAt: string; id: string },
  ): Promise<(DocumentRow & { cursorAt: string })[]> {
    // The cursor's timestamp to the microsecond, as stored: one rounded to a JavaScript Date's milliseconds
    // would skip the documents created later in that millisecond.
    const { rows } = await tx.query<DocumentRow & { cursorAt: string }>(
      `select ${columns}, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"
         from knowledge_documents
        where ($1::uuid is null or folder_id = $1) and ($2::text is null or status = $2)
          and ($3::text is null or title ilike $3 or file_name ilike $3) and ($4::text is null or tags @> array[$4]::text[])
          and ($5::timestamptz is null or (created_at, id) < ($5::timestamptz, $6::uuid))
        order by created_at desc, id desc limit $7`,
      [
        query.folderId ?? null,
        query.status ?? null,
        query.q ? `%${escapeLike(query.q)}%` : null,
        query.tag ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        query.limit,
      ],
    );
    return rows;
  },
  async update(
    tx: TenantTx,
    id: string,
    patch: { title?: string; folderId?: string | null; tags?: string[] },
  ): Promise<DocumentRow | null> {
    const { rows } = await tx.query<DocumentRow>(
      `update knowledge_documents set title = coalesce($2, title),
              folder_id = case when $3 then $4 else folder_id end, tags = coalesce($5::text[], tags)
        where id = $1 returning ${columns}`,
      [id, patch.title ?? null, patch.folderId !== undefined, patch.folderId ?? null, patch.tags ?? null],
    );
    return rows[0] ?? null;
  },
  async markQueued(tx: TenantTx, id: string): Promise<void> {
    await tx.query(
      `update knowledge_documents set status = 'queued', progress = 0, error = null where id = $1`,
      [id],
    );
  },
  async listIds(tx: TenantTx): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>('select id from knowledge_documents order by created_at');
    return rows.map((row) => row.id);
  },
  async delete(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from knowledge_documents where id = $1', [id]);
    return rowCount > 0;
  },
};
