import type { TMemberListQuery } from '@companero/contracts/creator-hub/members';
import type { TenantTx } from '@companero/db/tenant';

export type MemberRow = {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  tags: string[];
  channels: string[];
  timezone: string | null;
  locale: string | null;
  notes: string | null;
  attributes: Record<string, unknown>;
  lastSeenAt: Date | null;
  createdAt: Date;
};

const columns = `m.id, m.name, m.email, m.phone, m.tags, m.timezone, m.locale, m.notes, m.attributes,
  m.last_seen_at as "lastSeenAt", m.created_at as "createdAt",
  array(select distinct ci.channel from channel_identities ci where ci.member_id = m.id order by 1) as channels`;

// Sort keys with NULLs folded to a sentinel, so keyset pagination has a total order: (key, id).
const sortExpressions = {
  createdAt: 'm.created_at',
  lastSeenAt: "coalesce(m.last_seen_at, '-infinity'::timestamptz)",
  name: "coalesce(lower(m.name), '')",
} as const;

export type MemberCursor = { key: string; id: string };

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (character) => `\\${character}`);

export type ImportRow = {
  name?: string;
  email?: string;
  phone?: string;
  tags: string[];
  timezone?: string;
  attributes: Record<string, string>;
};

export const membersRepository = {
  async list(
    tx: TenantTx,
    query: TMemberListQuery,
    cursor?: MemberCursor,
  ): Promise<(MemberRow & { sortKey: string })[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.q) {
      const like = param(`%${escapeLike(query.q)}%`);
      where.push(`(m.name ilike ${like} or m.email ilike ${like} or m.phone ilike ${like}
        or exists (select 1 from channel_identities ci where ci.member_id = m.id
                   and (ci.external_id ilike ${like} or ci.display_name ilike ${like})))`);
    }
    if (query.tag) where.push(`m.tags @> array[${param(query.tag)}]::text[]`);
    if (query.channel) {
      where.push(
        `exists (select 1 from channel_identities ci where ci.member_id = m.id and ci.channel = ${param(query.channel)})`,
      );
    }
    if (query.lastSeenAfter) where.push(`m.last_seen_at >= ${param(query.lastSeenAfter)}::timestamptz`);
    if (query.lastSeenBefore) where.push(`m.last_seen_at < ${param(query.lastSeenBefore)}::timestamptz`);
    const sortExpression = sortExpressions[query.sort];
    const direction = query.order === 'asc' ? 'asc' : 'desc';
    if (cursor) {
      const cast = query.sort === 'name' ? 'text' : 'timestamptz';
      where.push(
        `(${sortExpression}, m.id) ${direction === 'asc' ? '>' : '<'} (${param(cursor.key)}::${cast}, ${param(cursor.id)}::uuid)`,
      );
    }
    const isoKey = (column: string) =>
      `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
    const sortKeySql = {
      name: sortExpression,
      createdAt: isoKey('m.created_at'),
      lastSeenAt: `coalesce(${isoKey('m.last_seen_at')}, '-infinity')`,
    }[query.sort];
    const { rows } = await tx.query<MemberRow & { sortKey: string }>(
      `select ${columns}, ${sortKeySql} as "sortKey"
         from members m
        ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
        order by ${sortExpression} ${direction}, m.id ${direction}
        limit ${param(query.limit + 1)}`,
      params,
    );
    return rows;
  },

  async getById(tx: TenantTx, id: string): Promise<MemberRow | null> {
    const { rows } = await tx.query<MemberRow>(`select ${columns} from members m where m.id = $1`, [id]);
    return rows[0] ?? null;
  },

  async update(
    tx: TenantTx,
    id: string,
    patch: { name?: string | null; tags?: string[]; notes?: string | null; timezone?: string | null },
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update members set
         name = case when $2 then $3 else name end,
         tags = coalesce($4::text[], tags),
         notes = case when $5 then $6 else notes end,
         timezone = case when $7 then $8 else timezone end
       where id = $1`,
      [
        id,
        patch.name !== undefined,
        patch.name ?? null,
        patch.tags ? [...new Set(patch.tags)] : null,
        patch.notes !== undefined,
        patch.notes ?? null,
        patch.timezone !== undefined,
        patch.timezone ?? null,
      ],
    );
    return rowCount > 0;
  },

  async bulkTag(tx: TenantTx, ids: string[], add: string[], remove: string[]): Promise<number> {
    const { rowCount } = await tx.query(
      `update members set tags = array(
         select distinct t from unnest(tags || $2::text[]) as t where not (t = any($3::text[])) order by t)
       where id = any($1::uuid[])`,
      [ids, add, remove],
    );
    return rowCount;
  },

  /**
   * Inserts or updates one imported row, matched on email (case-insensitive), else phone. When the email and
   * the phone belong to two different members the row cannot be applied (it would merge two people, and the
   * unique phone index would fail the whole import): that is reported as a conflict.
   */
  async upsertImported(
    tx: TenantTx,
    row: ImportRow,
  ): Promise<{ id: string; isNew: boolean } | { conflict: string }> {
    const { rows: existing } = await tx.query<{ id: string }>(
      `select id from members
        where ($1::text is not null and lower(email) = lower($1)) or ($2::text is not null and phone = $2)
        order by (lower(email) = lower($1)) desc nulls last limit 2`,
      [row.email ?? null, row.phone ?? null],
    );
    if (existing.length > 1)
      return {
        conflict: `The phone "${row.phone}" belongs to another member than the email "${row.email}".`,
      };
    const match = existing[0];
    if (match) {
      await tx.query(
        `update members set
           name = coalesce($2, name), email = coalesce(email, $3), phone = coalesce(phone, $4),
           tags = array(select distinct t from unnest(tags || $5::text[]) as t order by t),
           timezone = coalesce($6, timezone), attributes = attributes || $7::jsonb
         where id = $1`,
        [
          match.id,
          row.name ?? null,
          row.email ?? null,
          row.phone ?? null,
          row.tags,
          row.timezone ?? null,
          JSON.stringify(row.attributes),
        ],
      );
      return { id: match.id, isNew: false };
    }
    const { rows } = await tx.query<{ id: string }>(
      `insert into members (creator_id, name, email, phone, tags, timezone, attributes)
       values ($1, $2, $3, $4, $5, $6, $7) returning id`,
      [
        tx.creatorId,
        row.name ?? null,
        row.email ?? null,
        row.phone ?? null,
        [...new Set(row.tags)].sort(),
        row.timezone ?? null,
        JSON.stringify(row.attributes),
      ],
    );
    return { id: rows[0]!.id, isNew: true };
  },

  async listAll(tx: TenantTx): Promise<MemberRow[]> {
    const { rows } = await tx.query<MemberRow>(
      `select ${columns} from members m order by m.created_at, m.id`,
    );
    return rows;
  },

  async delete(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from members where id = $1', [id]);
    return rowCount > 0;
  },
};
