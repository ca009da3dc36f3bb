import type { TEnrollmentListQuery } from '@companero/contracts/creator-hub/enrollments';
import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { decodeCursor, encodeCursor, isCursorTimestamp, isUuid } from '@companero/core/http/cursor';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import {
  type EnrollmentRow,
  enrollmentsRepository,
  stepsRepository,
  wakeupsRepository,
} from '../engine/enrollments.repository';
import { enrollMembers } from '../engine/triggers';
import { latestVersion, programsRepository } from '../repositories/programs.repository';

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);

const toEnrollment = (row: EnrollmentRow & { memberName: string | null; version: number }) => ({
  id: row.id,
  memberId: row.memberId,
  memberName: row.memberName,
  version: row.version,
  status: row.status,
  currentNodeId: row.currentNodeId,
  waitingFor: row.waitingFor,
  wakeAt: iso(row.wakeAt),
  source: row.source,
  enrolledAt: iso(row.enrolledAt)!,
  updatedAt: iso(row.updatedAt)!,
  exitReason: row.exitReason,
});

/**
 * Enrolling members by hand (or through the API), following them, and taking them out. Enrollments start with a
 * wake-up due now: the program engine's scheduler runs their first step within PROGRAM_SCHEDULER_INTERVAL_MS.
 */
export const createEnrollmentsService = (deps: { db: TenantDatabase; now?: () => Date }) => {
  const now = deps.now ?? (() => new Date());

  const requireProgram = async (tx: Parameters<typeof programsRepository.getById>[0], programId: string) => {
    const program = await programsRepository.getById(tx, programId);
    if (!program) throw notFound('program');
    return program;
  };

  return {
    async enroll(ctx: StaffContext, programId: string, memberIds: string[]) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        await requireProgram(tx, programId);
        const version = await latestVersion(tx, programId);
        const start = version?.graph.nodes.find((node) => node.type === 'start');
        if (!version || !start)
          throw new AppError('CONFLICT', {
            message: 'The program has no published version yet: publish it before enrolling members.',
          });
        const requested = [...new Set(memberIds)];
        const existing = new Set(await enrollmentsRepository.existingMembers(tx, requested));
        const enrolled = await enrollMembers(tx, {
          program: { programId, versionId: version.id, startNodeId: start.id },
          memberIds: requested.filter((id) => existing.has(id)),
          source: 'manual',
          now: now(),
        });
        const enrolledIds = new Set(enrolled.map((row) => row.memberId));
        await appendAuditEntry(tx, ctx, {
          action: 'program.members_enrolled',
          targetType: 'program',
          targetId: programId,
          metadata: { version: version.version, enrolled: enrolledIds.size },
        });
        return {
          enrolled: requested.filter((id) => enrolledIds.has(id)),
          alreadyEnrolled: requested.filter((id) => existing.has(id) && !enrolledIds.has(id)),
          notFound: requested.filter((id) => !existing.has(id)),
        };
      });
    },

    async list(ctx: StaffContext, programId: string, query: TEnrollmentListQuery) {
      const after = query.cursor
        ? decodeCursor(
            query.cursor,
            ['enrolledAt', 'id'] as const,
            (value) => isUuid(value.id) && isCursorTimestamp(value.enrolledAt),
          )
        : undefined;
      const { rows, versions } = await withTenant(deps.db, ctx.creatorId, async (tx) => {
        await requireProgram(tx, programId);
        const rows = await enrollmentsRepository.listByProgram(tx, programId, {
          status: query.status,
          after,
          limit: query.limit + 1,
        });
        const versions = new Map(
          (await programsRepository.listVersions(tx, programId)).map((version) => [
            version.id,
            version.version,
          ]),
        );
        return { rows, versions };
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => toEnrollment({ ...row, version: versions.get(row.versionId) ?? 0 })),
        nextCursor:
          rows.length > query.limit && last ? encodeCursor({ enrolledAt: last.cursorAt, id: last.id }) : null,
      };
    },

    /** Ends the member's running enrollment (reason `unenrolled`) and cancels its wake-up. */
    async unenroll(ctx: StaffContext, programId: string, memberId: string) {
      await withTenant(deps.db, ctx.creatorId, async (tx) => {
        await requireProgram(tx, programId);
        const enrollment = await enrollmentsRepository.lockRunning(tx, programId, memberId);
        if (!enrollment) throw notFound('running enrollment');
        await stepsRepository.insert(tx, {
          enrollmentId: enrollment.id,
          versionId: enrollment.versionId,
          seq: enrollment.seq,
          nodeId: enrollment.currentNodeId ?? '?',
          nodeType: 'unenroll',
          outcome: 'exited',
          detail: { reason: 'unenrolled', by: ctx.actor.id },
          at: now(),
        });
        await enrollmentsRepository.saveState(tx, enrollment.id, {
          status: 'exited',
          currentNodeId: enrollment.currentNodeId,
          seq: enrollment.seq + 1,
          waitingFor: null,
          wakeAt: null,
          context: enrollment.context,
          exitReason: 'unenrolled',
        });
        await wakeupsRepository.delete(tx, enrollment.id);
        await appendAuditEntry(tx, ctx, {
          action: 'program.member_unenrolled',
          targetType: 'program',
          targetId: programId,
          metadata: { memberId, enrollmentId: enrollment.id },
        });
      });
    },

    /** Per node of a version (the latest by default): entered, completed, dropped and waiting enrollments. */
    async funnel(ctx: StaffContext, programId: string, versionNumber?: number) {
      return withTenant(deps.db, ctx.creatorId, async (tx) => {
        await requireProgram(tx, programId);
        const version =
          versionNumber === undefined
            ? await latestVersion(tx, programId)
            : await programsRepository.versionByNumber(tx, programId, versionNumber);
        if (!version) {
          if (versionNumber !== undefined) throw notFound('program version');
          return { version: null, nodes: [] };
        }
        const counts = new Map(
          (await stepsRepository.funnel(tx, version.id)).map((row) => [row.nodeId, row]),
        );
        return {
          version: version.version,
          nodes: version.graph.nodes.map((node) => ({
            nodeId: node.id,
            type: node.type,
            entered: counts.get(node.id)?.entered ?? 0,
            completed: counts.get(node.id)?.completed ?? 0,
            dropped: counts.get(node.id)?.dropped ?? 0,
            waiting: counts.get(node.id)?.waiting ?? 0,
          })),
        };
      });
    },

    /** Every recorded step of one enrollment of the program, oldest first. */
    async steps(ctx: StaffContext, programId: string, enrollmentId: string) {
      const steps = await withTenant(deps.db, ctx.creatorId, async (tx) => {
        const enrollment = await enrollmentsRepository.getById(tx, enrollmentId);
        if (!enrollment || enrollment.programId !== programId) throw notFound('enrollment');
        return stepsRepository.listByEnrollment(tx, enrollmentId);
      });
      return { items: steps.map((step) => ({ ...step, at: iso(step.at)! })) };
    },
  };
};

export type EnrollmentsService = ReturnType<typeof createEnrollmentsService>;
