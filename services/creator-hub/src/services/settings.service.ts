import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { isTimeZone } from '@companero/core/time/time-zone';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';

type CreatorRow = { id: string; name: string; slug: string; timezone: string; createdAt: Date };

const toView = (row: CreatorRow) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() });

/** The creator's own profile: display name, public handle (slug) and time zone (analytics days, schedules). */
export const createSettingsService = (deps: { db: TenantDatabase }) => ({
  async get(ctx: StaffContext) {
    return withTenant(deps.db, ctx.creatorId, async (tx) => {
      const { rows } = await tx.query<CreatorRow>(
        `select id, name, slug, timezone, created_at as "createdAt" from creators where id = $1`,
        [ctx.creatorId],
      );
      if (!rows[0]) throw notFound('creator');
      return toView(rows[0]);
    });
  },

  async update(ctx: StaffContext, patch: { name?: string; slug?: string; timezone?: string }) {
    // An empty string is not a time zone either: stored, it would break every analytics query.
    if (patch.timezone !== undefined && !isTimeZone(patch.timezone)) {
      throw new AppError('VALIDATION_FAILED', {
        message: `"${patch.timezone}" is not a time zone.`,
        errors: [{ path: 'body.timezone', message: 'Use an IANA time zone such as Europe/Madrid' }],
      });
    }
    try {
      return await withTenant(deps.db, ctx.creatorId, async (tx) => {
        const { rows } = await tx.query<CreatorRow>(
          `update creators set name = coalesce($2, name), slug = coalesce($3, slug), timezone = coalesce($4, timezone)
            where id = $1 returning id, name, slug, timezone, created_at as "createdAt"`,
          [ctx.creatorId, patch.name ?? null, patch.slug ?? null, patch.timezone ?? null],
        );
        if (!rows[0]) throw notFound('creator');
        await appendAuditEntry(tx, ctx, {
          action: 'creator.settings_changed',
          targetType: 'creator',
          targetId: ctx.creatorId,
          metadata: patch,
        });
        return toView(rows[0]);
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new AppError('CONFLICT', { message: `The handle "${patch.slug}" is taken. Choose another.` });
      }
      throw error;
    }
  },
});

export type SettingsService = ReturnType<typeof createSettingsService>;
