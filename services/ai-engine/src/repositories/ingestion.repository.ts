import type { TenantTx } from '@companero/db/tenant';

export type StoredDocument = { id: string; fileName: string; title: string; content: Buffer; status: string };

/** The document rows the ingestion worker reads and updates. */
export const ingestionRepository = {
  async getForIngestion(tx: TenantTx, id: string): Promise<StoredDocument | null> {
    const { rows } = await tx.query<StoredDocument>(
      'select id, file_name as "fileName", title, content, status from knowledge_documents where id = $1',
      [id],
    );
    const row = rows[0];
    // PGlite returns bytea as Uint8Array, node-postgres as Buffer.
    return row ? { ...row, content: Buffer.from(row.content) } : null;
  },
  async setProgress(
    tx: TenantTx,
    id: string,
    status: 'processing' | 'ready' | 'failed' | 'queued',
    progress: number,
    extra: {
      error?: string | null;
      chunkCount?: number;
      pageCount?: number | null;
      embeddingModel?: string;
      title?: string;
    } = {},
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update knowledge_documents set status = $2, progress = $3,
              error = case when $4 then $5 else error end,
              chunk_count = coalesce($6, chunk_count), page_count = coalesce($7, page_count),
              embedding_model = coalesce($8, embedding_model),
              title = coalesce($9, title)
        where id = $1`,
      [
        id,
        status,
        progress,
        extra.error !== undefined,
        extra.error ?? null,
        extra.chunkCount ?? null,
        extra.pageCount ?? null,
        extra.embeddingModel ?? null,
        extra.title ?? null,
      ],
    );
    return rowCount > 0;
  },
  async listDocumentIds(tx: TenantTx): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>('select id from knowledge_documents order by created_at');
    return rows.map((row) => row.id);
  },
  async markAllQueued(tx: TenantTx): Promise<void> {
    await tx.query(`update knowledge_documents set status = 'queued', progress = 0, error = null`);
  },
};
