import { randomBytes } from 'node:crypto';
import type { StaffContext } from '@companero/core/auth/request-context';
import type { SecretBox } from '@companero/core/crypto/secret-box';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { webhookSecretRepository } from '../repositories/webhook-secret.repository';

/** The secret that signs program webhook calls: rotated (and shown once) by an admin. */
export const createProgramWebhooksService = (deps: { db: TenantDatabase; secretBox: SecretBox }) => ({
  async rotateSecret(ctx: StaffContext) {
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    await withTenant(deps.db, ctx.creatorId, async (tx) => {
      await webhookSecretRepository.replace(tx, deps.secretBox.encrypt(secret));
      await appendAuditEntry(tx, ctx, {
        action: 'program.webhook_secret_rotated',
        targetType: 'proactive_settings',
      });
    });
    return { secret };
  },
});
