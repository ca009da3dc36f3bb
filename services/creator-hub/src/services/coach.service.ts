import { coachPersonaRepository } from '@companero/ai/coach-persona.repository';
import type { TCoachPersona } from '@companero/contracts/creator-hub/coach';
import type { StaffContext } from '@companero/core/auth/request-context';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';

/** The coach persona: who the AI coach is, how it speaks, and what it says when it does not know. */
export const createCoachService = (deps: { db: TenantDatabase }) => ({
  get(ctx: StaffContext) {
    return withTenant(deps.db, ctx.creatorId, (tx) => coachPersonaRepository.get(tx));
  },
  async put(ctx: StaffContext, persona: TCoachPersona) {
    return withTenant(deps.db, ctx.creatorId, async (tx) => {
      await coachPersonaRepository.upsert(tx, persona);
      await appendAuditEntry(tx, ctx, { action: 'coach.persona_changed', targetType: 'coach' });
      return coachPersonaRepository.get(tx);
    });
  },
});

export type CoachService = ReturnType<typeof createCoachService>;
