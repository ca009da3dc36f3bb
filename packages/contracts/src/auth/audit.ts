import { z } from 'zod';
import { paginated } from '../common/pagination';

export const ZAuditEntry = z
  .object({
    id: z.uuid(),
    actor: z.object({
      type: z.enum(['account', 'member', 'system', 'anonymous']),
      id: z.uuid().nullable(),
      email: z.string().nullable(),
    }),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export const ZAuditQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  action: z.string().max(64).optional(),
});
export const ZAuditResponse = paginated(ZAuditEntry);
