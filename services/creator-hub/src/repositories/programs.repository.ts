import type { TProgramGraph } from '@companero/contracts/creator-hub/programs';
import type { TenantTx } from '@companero/db/tenant';

// Graphs are validated against the shared schema before they are written (drafts and frozen versions alike),
// so the jsonb read back is typed as the parsed graph.

export type ProgramSummaryRow = {
  id: string;
  name: string;
  description: string | null;
  revision: number;
  latestVersion: number | null;
  publishedRevision: number | null;
  activeEnrollments: number;
  createdAt: Date;
  updatedAt: Date;
};

export type ProgramRow = ProgramSummaryRow & { draft: TProgramGraph };

export type ProgramVersionRow = {
  id: string;
  programId: string;
  version: number;
  graph: TProgramGraph;
  publishedBy: string | null;
  publishedAt: Date;
};

const summaryColumns = `p.id, p.name, p.description, p.revision, p.latest_version as "latestVersion",
  p.published_revision as "publishedRevision", p.created_at as "createdAt", p.updated_at as "updatedAt",
  (select count(*)::int from program_enrollments e
    where e.program_id = p.id and e.status in ('active', 'waiting')) as "activeEnrollments"`;

const versionColumns = `v.id, v.program_id as "programId", v.version, v.graph, v.published_by as "publishedBy",
  v.published_at as "publishedAt"`;

/** The newest published version of a program (what new enrollments run), or null before the first publish. */
export const latestVersion = async (
  tx: TenantTx,
  programId: string,
): Promise<Pick<ProgramVersionRow, 'id' | 'version' | 'graph'> | null> => {
  const { rows } = await tx.query<Pick<ProgramVersionRow, 'id' | 'version' | 'graph'>>(
    'select id, version, graph from program_versions where program_id = $1 order by version desc limit 1',
    [programId],
  );
  return rows[0] ?? null;
};

/** One frozen version by its id (what a running enrollment keeps executing). */
export const versionById = async (tx: TenantTx, versionId: string): Promise<ProgramVersionRow | null> => {
  const { rows } = await tx.query<ProgramVersionRow>(
    `select ${versionColumns} from program_versions v where v.id = $1`,
    [versionId],
  );
  return rows[0] ?? null;
};

export const programsRepository = {
  latestVersion,
  versionById,

  async list(tx: TenantTx): Promise<ProgramSummaryRow[]> {
    const { rows } = await tx.query<ProgramSummaryRow>(
      `select ${summaryColumns} from programs p order by p.updated_at desc, p.id`,
    );
    return rows;
  },

  async listIds(tx: TenantTx): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>('select id from programs');
    return rows.map((row) => row.id);
  },

  async getById(tx: TenantTx, id: string): Promise<ProgramRow | null> {
    const { rows } = await tx.query<ProgramRow>(
      `select ${summaryColumns}, p.draft from programs p where p.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  },

  /**
   * Locks the program row until commit and returns its revision. Concurrent edits and publishes of one
   * program queue here; enrollments (their foreign key takes a share lock on this row) wait for a delete.
   */
  async lockById(
    tx: TenantTx,
    id: string,
  ): Promise<{ revision: number; latestVersion: number | null } | null> {
    const { rows } = await tx.query<{ revision: number; latestVersion: number | null }>(
      'select revision, latest_version as "latestVersion" from programs where id = $1 for update',
      [id],
    );
    return rows[0] ?? null;
  },

  async insert(
    tx: TenantTx,
    input: { name: string; description: string | null; draft: TProgramGraph; createdBy: string },
  ): Promise<string> {
    const { rows } = await tx.query<{ id: string }>(
      `insert into programs (creator_id, name, description, draft, created_by)
       values ($1, $2, $3, $4::jsonb, $5) returning id`,
      [tx.creatorId, input.name, input.description, JSON.stringify(input.draft), input.createdBy],
    );
    return rows[0]!.id;
  },

  /** Applies the given fields; the revision goes up only when the graph is given and differs (jsonb equality). */
  async update(
    tx: TenantTx,
    id: string,
    patch: { name?: string; description?: string | null; draft?: TProgramGraph },
  ): Promise<void> {
    await tx.query(
      `update programs set
         name = coalesce($2, name),
         description = case when $3::boolean then $4::text else description end,
         revision = revision + case when $5::jsonb is null or draft = $5::jsonb then 0 else 1 end,
         draft = coalesce($5::jsonb, draft)
       where id = $1`,
      [
        id,
        patch.name ?? null,
        patch.description !== undefined,
        patch.description ?? null,
        patch.draft === undefined ? null : JSON.stringify(patch.draft),
      ],
    );
  },

  async delete(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from programs where id = $1', [id]);
    return rowCount > 0;
  },

  async countRunningEnrollments(tx: TenantTx, programId: string): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      `select count(*)::int as count from program_enrollments
        where program_id = $1 and status in ('active', 'waiting')`,
      [programId],
    );
    return rows[0]?.count ?? 0;
  },

  /**
   * Freezes `graph` as the next version (latest + 1) and marks the draft revision it came from as published.
   * The caller holds the program's row lock (lockById), so two publishes cannot take the same number.
   */
  async insertVersion(
    tx: TenantTx,
    input: { programId: string; graph: TProgramGraph; revision: number; publishedBy: string },
  ): Promise<number> {
    const { rows } = await tx.query<{ version: number }>(
      `insert into program_versions (creator_id, program_id, version, graph, published_by)
       select $1, $2, coalesce(max(version), 0) + 1, $3::jsonb, $4 from program_versions where program_id = $2
       returning version`,
      [tx.creatorId, input.programId, JSON.stringify(input.graph), input.publishedBy],
    );
    const version = rows[0]!.version;
    await tx.query('update programs set latest_version = $2, published_revision = $3 where id = $1', [
      input.programId,
      version,
      input.revision,
    ]);
    return version;
  },

  async versionByNumber(tx: TenantTx, programId: string, version: number): Promise<ProgramVersionRow | null> {
    const { rows } = await tx.query<ProgramVersionRow>(
      `select ${versionColumns} from program_versions v where v.program_id = $1 and v.version = $2`,
      [programId, version],
    );
    return rows[0] ?? null;
  },

  /** Every version, newest first, with how many enrollments (any status) run or ran on it. */
  async listVersions(
    tx: TenantTx,
    programId: string,
  ): Promise<(ProgramVersionRow & { enrollments: number })[]> {
    const { rows } = await tx.query<ProgramVersionRow & { enrollments: number }>(
      `select ${versionColumns},
         (select count(*)::int from program_enrollments e where e.version_id = v.id) as enrollments
         from program_versions v where v.program_id = $1 order by v.version desc`,
      [programId],
    );
    return rows;
  },

  async creatorName(tx: TenantTx): Promise<string> {
    const { rows } = await tx.query<{ name: string }>('select name from creators where id = $1', [
      tx.creatorId,
    ]);
    return rows[0]?.name ?? '';
  },
};
