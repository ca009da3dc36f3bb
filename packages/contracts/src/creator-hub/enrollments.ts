import { z } from 'zod';
import { paginated, ZCursorQuery } from '../common/pagination';
import { enrollmentStatuses, ZEnrollment } from './programs';

/** Enrollment API shapes (enrollments.routes.ts); the enrollment itself is ZEnrollment in programs.ts. */

export const ZProgramEnrollmentsParams = z.object({ id: z.uuid() });
export const ZProgramMemberParams = z.object({ id: z.uuid(), memberId: z.uuid() });
export const ZProgramEnrollmentParams = z.object({ id: z.uuid(), enrollmentId: z.uuid() });

export const ZEnrollmentListQuery = ZCursorQuery.extend({ status: z.enum(enrollmentStatuses).optional() });
export type TEnrollmentListQuery = z.infer<typeof ZEnrollmentListQuery>;
export const ZEnrollmentListResponse = paginated(ZEnrollment);

export const ZProgramFunnelQuery = z.object({
  version: z.coerce.number().int().min(1).optional().describe('A published version; the latest when absent'),
});
