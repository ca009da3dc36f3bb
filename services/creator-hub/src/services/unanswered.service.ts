import type { StaffContext } from '@companero/core/auth/request-context';
import { notFound } from '@companero/core/errors/app-error';
import { type TenantDatabase, withTenant } from '@companero/db/tenant';
import { type UnansweredRow, unansweredRepository } from '../repositories/unanswered.repository';
import type { KnowledgeService } from './knowledge.service';

const iso = (value: Date) => new Date(value).toISOString();
const toView = (row: UnansweredRow) => ({
  ...row,
  firstAskedAt: iso(row.firstAskedAt),
  lastAskedAt: iso(row.lastAskedAt),
});

/**
 * Questions the coach could not answer from the knowledge base. Answering one writes a small Markdown
 * document (question as heading, answer as body) into the knowledge base, so the next member gets it.
 */
export const createUnansweredService = (deps: { db: TenantDatabase; knowledge: KnowledgeService }) => ({
  async list(ctx: StaffContext, status: string) {
    const rows = await withTenant(deps.db, ctx.creatorId, (tx) => unansweredRepository.list(tx, status));
    return { items: rows.map(toView) };
  },
  async answer(ctx: StaffContext, id: string, answer: string) {
    const question = await withTenant(deps.db, ctx.creatorId, (tx) => unansweredRepository.getById(tx, id));
    if (!question) throw notFound('question');
    const markdown = `# ${question.question.replace(/\n/g, ' ')}\n\n${answer}\n`;
    const { id: documentId } = await deps.knowledge.upload(ctx, {
      fileName: `answer-${id.slice(0, 8)}.md`,
      title: question.question.slice(0, 200),
      bytes: Buffer.from(markdown, 'utf8'),
      tags: ['answered-question'],
      source: 'answer',
    });
    return withTenant(deps.db, ctx.creatorId, async (tx) => {
      await unansweredRepository.markAnswered(tx, id, answer, documentId);
      return toView((await unansweredRepository.getById(tx, id))!);
    });
  },
  async dismiss(ctx: StaffContext, id: string) {
    return withTenant(deps.db, ctx.creatorId, async (tx) => {
      if (!(await unansweredRepository.dismiss(tx, id))) throw notFound('question');
      return toView((await unansweredRepository.getById(tx, id))!);
    });
  },
});

export type UnansweredService = ReturnType<typeof createUnansweredService>;
