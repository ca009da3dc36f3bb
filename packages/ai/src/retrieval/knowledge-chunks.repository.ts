import type { TenantTx } from '@companero/db/tenant';

export type ChunkRow = {
  id: string;
  documentId: string;
  title: string;
  text: string;
  headingPath: string[];
  page: number | null;
  ordinal: number;
  lexemes: string[];
};

const chunkColumns = `c.id, c.document_id as "documentId", d.title, c.text, c.heading_path as "headingPath", c.page, c.ordinal,
  tsvector_to_array(c.search_vector) as lexemes`;

/** Every SQL statement on knowledge chunks: insertion at ingestion, keyword search and loading for retrieval. */
export const knowledgeChunksRepository = {
  async insertMany(
    tx: TenantTx,
    documentId: string,
    searchConfig: string,
    chunks: {
      id: string;
      ordinal: number;
      headingPath: string[];
      page?: number;
      text: string;
      tokenCount: number;
    }[],
  ): Promise<void> {
    for (let start = 0; start < chunks.length; start += 200) {
      const batch = chunks.slice(start, start + 200);
      await tx.query(
        `insert into knowledge_chunks (id, creator_id, document_id, ordinal, heading_path, page, text, token_count, search_config, search_vector)
         select x.id, $1, $2, x.ordinal, x.heading_path, x.page, x.text, x.token_count, $3::regconfig,
                setweight(to_tsvector($3::regconfig, array_to_string(x.heading_path, ' ')), 'A') || to_tsvector($3::regconfig, x.text)
           from jsonb_to_recordset($4::jsonb) as x(id uuid, ordinal int, heading_path text[], page int, text text, token_count int)`,
        [
          tx.creatorId,
          documentId,
          searchConfig,
          JSON.stringify(
            batch.map((chunk) => ({
              id: chunk.id,
              ordinal: chunk.ordinal,
              heading_path: chunk.headingPath,
              page: chunk.page ?? null,
              text: chunk.text,
              token_count: chunk.tokenCount,
            })),
          ),
        ],
      );
    }
  },

  async idsForDocument(tx: TenantTx, documentId: string): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>(
      'select id from knowledge_chunks where document_id = $1',
      [documentId],
    );
    return rows.map((row) => row.id);
  },

  async deleteForDocument(tx: TenantTx, documentId: string, keepIds: string[] = []): Promise<void> {
    await tx.query('delete from knowledge_chunks where document_id = $1 and not (id = any($2::uuid[]))', [
      documentId,
      keepIds,
    ]);
  },

  /**
   * Keyword candidates: any of the question's content words (OR, not AND: a question rarely repeats a passage
   * word for word), ranked by cover density with headings weighted up. Only chunks of ready documents.
   */
  async keywordSearch(
    tx: TenantTx,
    options: { question: string; searchConfig: string; limit: number },
  ): Promise<(ChunkRow & { rank: number })[]> {
    const { rows } = await tx.query<ChunkRow & { rank: number }>(
      `with q as (select nullif(replace(plainto_tsquery($2::regconfig, $1)::text, '&', '|'), '')::tsquery as query)
       select ${chunkColumns}, ts_rank_cd(c.search_vector, q.query, 32) as rank
         from q, knowledge_chunks c join knowledge_documents d on d.id = c.document_id and d.status = 'ready'
        where q.query is not null and c.search_vector @@ q.query
        order by rank desc, c.id limit $3`,
      [options.question, options.searchConfig, options.limit],
    );
    return rows;
  },

  /** The question's content words as the index sees them (stemmed, no stop words). */
  async questionLexemes(tx: TenantTx, question: string, searchConfig: string): Promise<string[]> {
    const { rows } = await tx.query<{ lexemes: string[] }>(
      'select tsvector_to_array(to_tsvector($2::regconfig, $1)) as lexemes',
      [question, searchConfig],
    );
    return rows[0]?.lexemes ?? [];
  },

  /** Loads vector hits from SQL, the source of truth: hits of deleted or re-indexed chunks simply vanish. */
  async getMany(tx: TenantTx, ids: string[]): Promise<ChunkRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await tx.query<ChunkRow>(
      `select ${chunkColumns} from knowledge_chunks c join knowledge_documents d on d.id = c.document_id and d.status = 'ready'
        where c.id = any($1::uuid[])`,
      [ids],
    );
    return rows;
  },
};
