import type { TenantTx } from '@companero/db/tenant';

/**
 * What the program engine needs from the other services, wired in apps/server (every mode that runs the
 * program workers has them in-process). The engine never imports another service directly.
 */

/** A send the engine asks for; `channel` 'auto' (or absent) lets the rules pick. */
export type ProgramSendRequest = {
  memberId: string;
  text: string;
  quickReplies?: string[];
  /** The step's preferred channel, then the creator's fallback order. */
  channels: string[];
};

export type ProgramSendResult =
  | { sent: true; messageId: string; channel: string; events: unknown[] }
  | { sent: false; reason: 'no_reachable_channel' | 'outside_whatsapp_window'; tried: string[] };

/** The channel service's proactive send, inside the step's transaction (events are published after commit). */
export type ProgramMessenger = {
  sendInTx(tx: TenantTx, request: ProgramSendRequest): Promise<ProgramSendResult>;
  publish(events: unknown[]): Promise<void>;
};

/** The AI engine: personalised messages and reply classification (outside any transaction: they are slow). */
export type ProgramAi = {
  compose(
    creatorId: string,
    input: { memberId: string; instruction: string; useKnowledge: boolean },
  ): Promise<{ text: string }>;
  /** Which intent the text matches best, or null when none fits. */
  classify(
    creatorId: string,
    input: { text: string; intents: { id: string; intent: string }[] },
  ): Promise<string | null>;
};

/** Posts a webhook node's signed payload; throws on a refused URL, a network error or a non-2xx answer. */
export type ProgramWebhookPoster = (input: {
  creatorId: string;
  url: string;
  idempotencyKey: string;
  body: unknown;
}) => Promise<{ status: number }>;

/** Points and achievements for program progress, inside the step's transaction; `afterCommit` runs after it. */
export type ProgramGamification = {
  recordEvent(
    tx: TenantTx,
    event: {
      memberId: string;
      type: 'program_step_completed' | 'program_completed';
      key: string;
      data: Record<string, unknown>;
    },
  ): Promise<{ afterCommit: () => Promise<void> }>;
};

export type ProgramEnginePorts = {
  messenger?: ProgramMessenger;
  ai?: ProgramAi;
  postWebhook?: ProgramWebhookPoster;
  gamification?: ProgramGamification;
};
