import type { StaffContext } from '@companero/core/auth/request-context';
import { AppError, notFound } from '@companero/core/errors/app-error';
import { appendAuditEntry } from '@companero/db/audit-log';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { type FolderRow, foldersRepository } from '../repositories/folders.repository';

const toView = (row: FolderRow) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() });

const isDuplicateName = (error: unknown) => (error as { code?: string }).code === '23505';
const duplicateName = (name?: string) =>
  new AppError('CONFLICT', { message: `A folder named "${name}" already exists here.` });

export const createFoldersService = (deps: { db: TenantDatabase }) => ({
  async list(ctx: StaffContext) {
    const rows = await withTenant(deps.db, ctx.creatorId, (tx) => foldersRepository.list(tx));
    return { items: rows.map(toView) };
  },
  async create(ctx: StaffContext, input: { name: string; parentId?: string | null }) {
    try {
      return await withTenant(deps.db, ctx.creatorId, async (tx) => {
        if (input.parentId && !(await foldersRepository.getById(tx, input.parentId)))
          throw notFound('parent folder');
        const id = await foldersRepository.insert(tx, { name: input.name, parentId: input.parentId ?? null });
        await appendAuditEntry(tx, ctx, {
          action: 'knowledge.folder_created',
          targetType: 'folder',
          targetId: id,
        });
        return toView((await foldersRepository.getById(tx, id))!);
      });
    } catch (error) {
      if (isDuplicateName(error)) throw duplicateName(input.name);
      throw error;
    }
  },
  async update(ctx: StaffContext, id: string, patch: { name?: string; parentId?: string | null }) {
    try {
      return await withTenant(deps.db, ctx.creatorId, async (tx) => {
        if (!(await foldersRepository.getById(tx, id))) throw notFound('folder');
        if (patch.parentId) {
          if (!(await foldersRepository.getById(tx, patch.parentId))) throw notFound('parent folder');
          if (await foldersRepository.isSelfOrDescendant(tx, id, patch.parentId)) {
            throw new AppError('VALIDATION_FAILED', {
              message: 'A folder cannot move inside itself.',
              errors: [{ path: 'body.parentId', message: 'Would create a cycle' }],
            });
          }
        }
        await foldersRepository.update(tx, id, patch);
        return toView((await foldersRepository.getById(tx, id))!);
      });
    } catch (error) {
      if (isDuplicateName(error)) throw duplicateName(patch.name);
      throw error;
    }
  },
  /** Deletes the folder and its sub-folders; their documents stay, unfiled. */
  async delete(ctx: StaffContext, id: string) {
    await withTenant(deps.db, ctx.creatorId, async (tx) => {
      if (!(await foldersRepository.delete(tx, id))) throw notFound('folder');
      await appendAuditEntry(tx, ctx, {
        action: 'knowledge.folder_deleted',
        targetType: 'folder',
        targetId: id,
      });
    });
  },
});

export type FoldersService = ReturnType<typeof createFoldersService>;
