import type { AppTx, TenantTx } from '@companero/db/tenant';

/**
 * Every SQL statement of the program engine's own tables: enrollments (the state machines), their recorded
 * steps, the wake-ups the scheduler sweeps, proactive sends (the frequency cap) and trigger occurrences.
 */

export const finalStatuses = ['completed', 'exited', 'failed'] as const;
export type EnrollmentStatus = 'active' | 'waiting' | (typeof finalStatuses)[number];

/** What an enrollment keeps between steps. */
export type EnrollmentContext = {
  /** {{answers.NAME}} of ask nodes with saveAs. */
  answers?: Record<string, string>;
  lastReply?: string;
  /** A reply taken by onInboundInTx that the ask step has not processed yet. */
  pendingReply?: { text: string; messageId?: string; at: string };
};

export type EnrollmentRow = {
  id: string;
  programId: string;
  versionId: string;
  memberId: string;
  status: EnrollmentStatus;
  currentNodeId: string | null;
  seq: number;
  waitingFor: 'reply' | 'time' | null;
  wakeAt: Date | null;
  context: EnrollmentContext;
  source: string;
  exitReason: string | null;
  enrolledAt: Date;
  updatedAt: Date;
};

/** The mutable part of an enrollment a step writes back. */
export type EnrollmentState = Pick<
  EnrollmentRow,
  'status' | 'currentNodeId' | 'seq' | 'waitingFor' | 'wakeAt' | 'context' | 'exitReason'
>;

const enrollmentColumns = `e.id, e.program_id as "programId", e.version_id as "versionId", e.member_id as "memberId",
  e.status, e.current_node_id as "currentNodeId", e.seq, e.waiting_for as "waitingFor", e.wake_at as "wakeAt",
  e.context, e.source, e.exit_reason as "exitReason", e.enrolled_at as "enrolledAt", e.updated_at as "updatedAt"`;

export type WakeupChange = { action: 'delete' } | { action: 'set'; seq: number; dueAt: Date };

export type StepOutcome = 'entered' | 'completed' | 'waiting' | 'deferred' | 'skipped' | 'failed' | 'exited';

export type StepRecord = {
  enrollmentId: string;
  versionId: string;
  seq: number;
  nodeId: string;
  nodeType: string;
  outcome: StepOutcome;
  detail: Record<string, unknown>;
  at: Date;
};

export const enrollmentsRepository = {
  async getById(tx: TenantTx, id: string): Promise<EnrollmentRow | null> {
    const { rows } = await tx.query<EnrollmentRow>(
      `select ${enrollmentColumns} from program_enrollments e where e.id = $1`,
      [id],
    );
    return rows[0] ?? null;
  },

  /** Locks the enrollment until commit: steps of one enrollment run one at a time. */
  async lockById(tx: TenantTx, id: string): Promise<EnrollmentRow | null> {
    const { rows } = await tx.query<EnrollmentRow>(
      `select ${enrollmentColumns} from program_enrollments e where e.id = $1 for update`,
      [id],
    );
    return rows[0] ?? null;
  },

  /** The member's most recently updated enrollment waiting for a reply, locked. */
  async lockWaitingForReply(tx: TenantTx, memberId: string): Promise<EnrollmentRow | null> {
    const { rows } = await tx.query<EnrollmentRow>(
      `select ${enrollmentColumns} from program_enrollments e
        where e.member_id = $1 and e.status = 'waiting' and e.waiting_for = 'reply'
        order by e.updated_at desc, e.id limit 1 for update`,
      [memberId],
    );
    return rows[0] ?? null;
  },

  /** The member's running enrollment in a program, locked. */
  async lockRunning(tx: TenantTx, programId: string, memberId: string): Promise<EnrollmentRow | null> {
    const { rows } = await tx.query<EnrollmentRow>(
      `select ${enrollmentColumns} from program_enrollments e
        where e.program_id = $1 and e.member_id = $2 and e.status in ('active', 'waiting') for update`,
      [programId, memberId],
    );
    return rows[0] ?? null;
  },

  /**
   * Enrolls members at the start node (status active, seq 0) unless they already run this program (the
   * partial unique index decides, so concurrent enrollers cannot make two). Returns the new enrollments.
   */
  async insertMany(
    tx: TenantTx,
    input: { programId: string; versionId: string; startNodeId: string; memberIds: string[]; source: string },
  ): Promise<{ id: string; memberId: string }[]> {
    if (input.memberIds.length === 0) return [];
    const { rows } = await tx.query<{ id: string; memberId: string }>(
      `insert into program_enrollments (creator_id, program_id, version_id, member_id, current_node_id, source)
       select $1, $2, $3, member_id, $4, $5 from unnest($6::uuid[]) as member_id
       on conflict do nothing
       returning id, member_id as "memberId"`,
      [tx.creatorId, input.programId, input.versionId, input.startNodeId, input.source, input.memberIds],
    );
    return rows;
  },

  /**
   * Writes the state back and, in the same statement, changes the enrollment's wake-up: `delete` it (the
   * enrollment finished or moves on without a timer) or `set` it (a new due time at the new seq).
   */
  async saveState(tx: TenantTx, id: string, state: EnrollmentState, wakeup?: WakeupChange): Promise<void> {
    const isFinal = (finalStatuses as readonly string[]).includes(state.status);
    await tx.query(
      `with removed as (
         delete from program_wakeups where enrollment_id = $1 and $10::text = 'delete'
       ), armed as (
         insert into program_wakeups (enrollment_id, creator_id, seq, due_at)
         select $1, $11, $12, $13 where $10::text = 'set'
         on conflict (enrollment_id) do update set seq = excluded.seq, due_at = excluded.due_at
       )
       update program_enrollments set status = $2, current_node_id = $3, seq = $4, waiting_for = $5, wake_at = $6,
         context = $7::jsonb, exit_reason = $8, finished_at = case when $9::boolean then now() else null end
       where id = $1`,
      [
        id,
        state.status,
        state.currentNodeId,
        state.seq,
        state.waitingFor,
        state.wakeAt,
        JSON.stringify(state.context),
        state.exitReason,
        isFinal,
        wakeup?.action ?? 'keep',
        tx.creatorId,
        wakeup?.action === 'set' ? wakeup.seq : null,
        wakeup?.action === 'set' ? wakeup.dueAt : null,
      ],
    );
  },

  async changeWakeup(tx: TenantTx, id: string, wakeup: WakeupChange): Promise<void> {
    if (wakeup.action === 'delete') await wakeupsRepository.delete(tx, id);
    else await wakeupsRepository.upsert(tx, { enrollmentId: id, seq: wakeup.seq, dueAt: wakeup.dueAt });
  },

  async listByProgram(
    tx: TenantTx,
    programId: string,
    query: { status?: string; after?: { enrolledAt: string; id: string }; limit: number },
  ): Promise<(EnrollmentRow & { memberName: string | null; cursorAt: string })[]> {
    const params: unknown[] = [programId, query.limit];
    const where = ['e.program_id = $1'];
    if (query.status) {
      params.push(query.status);
      where.push(`e.status = $${params.length}`);
    }
    if (query.after) {
      params.push(query.after.enrolledAt, query.after.id);
      where.push(`(e.enrolled_at, e.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const { rows } = await tx.query<EnrollmentRow & { memberName: string | null; cursorAt: string }>(
      `select ${enrollmentColumns}, coalesce(m.name, m.display_name) as "memberName",
         to_char(e.enrolled_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"
         from program_enrollments e join members m on m.id = e.member_id
        where ${where.join(' and ')}
        order by e.enrolled_at desc, e.id desc limit $2`,
      params,
    );
    return rows;
  },

  /** Members of `memberIds` that exist in this tenant. */
  async existingMembers(tx: TenantTx, memberIds: string[]): Promise<string[]> {
    const { rows } = await tx.query<{ id: string }>('select id from members where id = any($1::uuid[])', [
      memberIds,
    ]);
    return rows.map((row) => row.id);
  },
};

export const stepsRepository = {
  async insert(tx: TenantTx, step: StepRecord): Promise<void> {
    await stepsRepository.insertMany(tx, [step]);
  },

  /** Records steps in one statement, in order (ids follow the array). */
  async insertMany(tx: TenantTx, steps: StepRecord[]): Promise<void> {
    if (steps.length === 0) return;
    await tx.query(
      `insert into program_steps (creator_id, enrollment_id, version_id, seq, node_id, node_type, outcome, detail, created_at)
       select $1, enrollment_id, version_id, seq, node_id, node_type, outcome, detail, created_at
         from unnest($2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::timestamptz[])
           with ordinality as t (enrollment_id, version_id, seq, node_id, node_type, outcome, detail, created_at, position)
        order by position`,
      [
        tx.creatorId,
        steps.map((step) => step.enrollmentId),
        steps.map((step) => step.versionId),
        steps.map((step) => step.seq),
        steps.map((step) => step.nodeId),
        steps.map((step) => step.nodeType),
        steps.map((step) => step.outcome),
        steps.map((step) => JSON.stringify(step.detail)),
        steps.map((step) => step.at),
      ],
    );
  },

  async listByEnrollment(
    tx: TenantTx,
    enrollmentId: string,
  ): Promise<
    {
      seq: number;
      nodeId: string;
      nodeType: string;
      outcome: StepOutcome;
      detail: Record<string, unknown>;
      at: Date;
    }[]
  > {
    const { rows } = await tx.query<{
      seq: number;
      nodeId: string;
      nodeType: string;
      outcome: StepOutcome;
      detail: Record<string, unknown>;
      at: Date;
    }>(
      `select seq, node_id as "nodeId", node_type as "nodeType", outcome, detail, created_at as at
         from program_steps where enrollment_id = $1 order by id`,
      [enrollmentId],
    );
    return rows;
  },

  /**
   * Per node of one version: enrollments that reached it, left it forward (completed, skipped, or failed on a
   * connected failure path), ended there (exited, or failed with nowhere to go), and wait there now.
   */
  async funnel(
    tx: TenantTx,
    versionId: string,
  ): Promise<{ nodeId: string; entered: number; completed: number; dropped: number; waiting: number }[]> {
    const { rows } = await tx.query<{
      nodeId: string;
      entered: number;
      completed: number;
      dropped: number;
      waiting: number;
    }>(
      `with steps as (
         select node_id,
           count(distinct enrollment_id)::int as entered,
           count(distinct enrollment_id) filter (where outcome in ('completed', 'skipped')
             or (outcome = 'failed' and detail ? 'handle'))::int as completed,
           count(distinct enrollment_id) filter (where outcome = 'exited'
             or (outcome = 'failed' and not detail ? 'handle'))::int as dropped
         from program_steps where version_id = $1 group by node_id
       ), waiting as (
         select current_node_id as node_id, count(*)::int as waiting from program_enrollments
          where version_id = $1 and status = 'waiting' group by current_node_id
       )
       select coalesce(s.node_id, w.node_id) as "nodeId", coalesce(s.entered, 0) as entered,
              coalesce(s.completed, 0) as completed, coalesce(s.dropped, 0) as dropped,
              coalesce(w.waiting, 0) as waiting
         from steps s full join waiting w on w.node_id = s.node_id`,
      [versionId],
    );
    return rows;
  },
};

// An arbitrary constant naming the sweep's advisory lock (like the migration and queue-creation locks).
const sweepLockId = 4_217_008;

export const wakeupsRepository = {
  /** The one wake-up of an enrollment (a new one replaces the old: only the latest state's timer matters). */
  async upsert(tx: TenantTx, input: { enrollmentId: string; seq: number; dueAt: Date }): Promise<void> {
    await tx.query(
      `insert into program_wakeups (enrollment_id, creator_id, seq, due_at) values ($1, $2, $3, $4)
       on conflict (enrollment_id) do update set seq = excluded.seq, due_at = excluded.due_at`,
      [input.enrollmentId, tx.creatorId, input.seq, input.dueAt],
    );
  },

  async upsertMany(
    tx: TenantTx,
    input: { enrollmentIds: string[]; seq: number; dueAt: Date },
  ): Promise<void> {
    if (input.enrollmentIds.length === 0) return;
    await tx.query(
      `insert into program_wakeups (enrollment_id, creator_id, seq, due_at)
       select id, $2, $3, $4 from unnest($1::uuid[]) as id
       on conflict (enrollment_id) do update set seq = excluded.seq, due_at = excluded.due_at`,
      [input.enrollmentIds, tx.creatorId, input.seq, input.dueAt],
    );
  },

  async delete(tx: TenantTx, enrollmentId: string): Promise<void> {
    await tx.query('delete from program_wakeups where enrollment_id = $1', [enrollmentId]);
  },

  /**
   * Takes up to `limit` due wake-ups of every creator (the scheduler's sweep scope): deleted here, so the
   * caller must enqueue their step jobs in the same transaction. One sweeper at a time (a transaction-scoped
   * advisory lock; the others return 0 at once): the sweep scope may read and delete wake-ups but not lock them
   * FOR UPDATE (that needs an UPDATE policy), and one sweeper moves thousands of rows a second anyway. The
   * outer `due_at` check is re-evaluated if a step re-armed the row meanwhile, so a moved wake-up stays.
   */
  async takeDue(
    tx: AppTx,
    input: { now: Date; limit: number },
  ): Promise<{ enrollmentId: string; creatorId: string; seq: number; dueAt: Date }[]> {
    const { rows: lock } = await tx.query<{ locked: boolean }>(
      'select pg_try_advisory_xact_lock($1) as locked',
      [sweepLockId],
    );
    if (!lock[0]?.locked) return [];
    const { rows } = await tx.query<{ enrollmentId: string; creatorId: string; seq: number; dueAt: Date }>(
      `delete from program_wakeups w using (
         select enrollment_id from program_wakeups where due_at <= $1 order by due_at limit $2
       ) due
       where w.enrollment_id = due.enrollment_id and w.due_at <= $1
       returning w.enrollment_id as "enrollmentId", w.creator_id as "creatorId", w.seq, w.due_at as "dueAt"`,
      [input.now, input.limit],
    );
    return rows;
  },
};

export const sendsRepository = {
  async countForDay(tx: TenantTx, memberId: string, localDay: string): Promise<number> {
    const { rows } = await tx.query<{ count: number }>(
      'select count(*)::int as count from proactive_sends where member_id = $1 and local_day = $2::date',
      [memberId, localDay],
    );
    return rows[0]?.count ?? 0;
  },

  async insert(
    tx: TenantTx,
    input: { memberId: string; localDay: string; messageId: string | null; source: string; at: Date },
  ): Promise<void> {
    await tx.query(
      `insert into proactive_sends (creator_id, member_id, local_day, message_id, source, created_at)
       values ($1, $2, $3::date, $4, $5, $6)`,
      [tx.creatorId, input.memberId, input.localDay, input.messageId, input.source, input.at],
    );
  },
};

export const occurrencesRepository = {
  /** Records occurrences; returns the members for whom each was new (an occurrence enrolls at most once). */
  async insertNew(
    tx: TenantTx,
    input: { programId: string; items: { memberId: string; occurrence: string }[] },
  ): Promise<string[]> {
    if (input.items.length === 0) return [];
    const { rows } = await tx.query<{ memberId: string }>(
      `insert into program_trigger_occurrences (creator_id, program_id, member_id, occurrence)
       select $1, $2, member_id, occurrence from unnest($3::uuid[], $4::text[]) as t (member_id, occurrence)
       on conflict do nothing
       returning member_id as "memberId"`,
      [
        tx.creatorId,
        input.programId,
        input.items.map((item) => item.memberId),
        input.items.map((item) => item.occurrence),
      ],
    );
    return rows.map((row) => row.memberId);
  },
};
