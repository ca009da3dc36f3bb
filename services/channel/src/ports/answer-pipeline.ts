import type { TCitation } from '@companero/contracts/ai-engine/ask';
import type { TenantTx } from '@companero/db/tenant';

export type StoredReplyMessage = {
  id: string;
  conversationId: string;
  memberId: string | null;
  content: string;
  channel: string;
  citations: TCitation[];
  grounded: boolean;
  createdAt: Date;
};

/**
 * How the channel service gets answers: the AI engine's answer pipeline, through its service interface
 * (in-process in every mode that runs the reply workers). It must be idempotent per question.
 */
export type AnswerPipeline = {
  replyTo(
    creatorId: string,
    questionId: string,
    options: {
      replyId?: string;
      receivedAt?: Date;
      onToken?: (delta: string) => void;
      onReplyStored?: (tx: TenantTx, reply: StoredReplyMessage) => Promise<void>;
    },
  ): Promise<{ messageId: string; created: boolean }>;
};

/** Mints member access tokens (the auth service's keys) for widget sessions. */
export type MemberTokenIssuer = (
  creatorId: string,
  memberId: string,
  meta: { ip?: string; userAgent?: string },
) => Promise<{ accessToken: string; refreshToken: string; expiresIn: number }>;
