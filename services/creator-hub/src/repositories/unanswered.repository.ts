import type { TenantTx } from '@companero/db/tenant';

export type UnansweredRow = {
  id: string;
  question: string;
  timesAsked: number;
  status: 'open' | 'answered' | 'dismissed';
  answer: string | null;
  answerDocumentId: string | null;
  firstAskedAt: Date;
  lastAskedAt: Date;
};

const columns = `id, question, times_asked as "timesAsked", status, answer, answer_document_id as "answerDocumentId",
  first_asked_at as "firstAskedAt", last_asked_at as "lastAskedAt"`;

export const unansweredRepository = {
  async list(tx: TenantTx, status: string): Promise<UnansweredRow[]> {
    const { rows } = await tx.query<UnansweredRow>(
      `select ${columns} from unanswered_questions where status = $1 order by times_asked desc, last_asked_at desc limit 500`,
      [status],
    );
    return rows;
  },
  async getById(tx: TenantTx, id: string): Promise<UnansweredRow | null> {
    const { rows } = await tx.query<UnansweredRow>(
      `select ${columns} from unanswered_questions where id = $1`,
      [id],
    );
    return rows[0] ?? null;
  },
  async markAnswered(tx: TenantTx, id: string, answer: string, documentId: string): Promise<void> {
    await tx.query(
      `update unanswered_questions set status = 'answered', answer = $2, answer_document_id = $3 where id = $1`,
      [id, answer, documentId],
    );
  },
  async dismiss(tx: TenantTx, id: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update unanswered_questions set status = 'dismissed' where id = $1`,
      [id],
    );
    return rowCount > 0;
  },
};
