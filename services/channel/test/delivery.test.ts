import { randomUUID } from 'node:crypto';
import type { ChannelConnection } from '@companero/channels/connection-types';
import { connectionsRepository } from '@companero/channels/connections.repository';
import { ProviderError } from '@companero/channels/provider-error';
import { deliverMessageJob, replyToMessageJob } from '@companero/contracts/channel/jobs';
import { loadConfig } from '@companero/core/config/load-config';
import { createRuntime, type Runtime } from '@companero/db/runtime';
import { withTenant } from '@companero/db/tenant';
import { backends, createTestEnvironment, type TestEnvironment } from '@companero/testing/backends';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerChannelWorkers } from '../src/app';
import { type ChannelServices, createChannelServices } from '../src/channel-services';
import { messagesRepository } from '../src/repositories/messages.repository';
import type { ChannelSender, OutboundPayload, PacingRule } from '../src/senders/channel-sender';
import { backoffDelayMs } from '../src/services/delivery.service';
import { ReplyInProgressError } from '../src/services/reply.service';
import { eventually } from './channel-test-server';

const silent = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

type SendOutcome = { providerMessageId: string | null } | Error;

/**
 * The provider boundary, scripted: each send takes the next outcome (a provider id, or the error the real
 * sender throws for that HTTP answer) and records what it was asked to send.
 */
const createScriptedSender = () => {
  const outcomes: SendOutcome[] = [];
  const sent: { connectionId: string; payload: OutboundPayload }[] = [];
  let rules: (externalId: string) => PacingRule[] = () => [];
  const sender: ChannelSender = {
    async send(connection: ChannelConnection, payload: OutboundPayload) {
      sent.push({ connectionId: connection.id, payload });
      const outcome = outcomes.shift() ?? { providerMessageId: `tg-${sent.length}` };
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    pacing: (_connection, externalId) => rules(externalId),
  };
  return {
    sender,
    sent,
    script: (...next: SendOutcome[]) => outcomes.push(...next),
    pace: (next: (externalId: string) => PacingRule[]) => {
      rules = next;
    },
    reset() {
      outcomes.length = 0;
      sent.length = 0;
      rules = () => [];
    },
  };
};

type Harness = {
  environment: TestEnvironment;
  runtime: Runtime;
  creatorId: string;
  connectionId: string;
  close(): Promise<void>;
};

/** A migrated private database with one creator and its Telegram connection (the provider is never called). */
const openHarness = async (backend: Parameters<typeof createTestEnvironment>[0]): Promise<Harness> => {
  const environment = await createTestEnvironment(backend);
  const runtime = await createRuntime(loadConfig(environment.env), { migrate: true });
  await runtime.jobs.start();
  await runtime.jobs.define(replyToMessageJob);
  await runtime.jobs.define(deliverMessageJob);
  const creatorId = randomUUID();
  await runtime.database.query('insert into creators (id, name, slug) values ($1, $2, $3)', [
    creatorId,
    'Delivery coaching',
    `delivery-${creatorId.slice(0, 8)}`,
  ]);
  const connection = await withTenant(runtime.db, creatorId, (tx) =>
    connectionsRepository.insert(
      tx,
      {
        channel: 'telegram',
        accountKey: '700001',
        settings: { botId: 700001, botUsername: 'coach_bot', apiBaseUrl: 'http://127.0.0.1:9' },
        secrets: { botToken: '700001:secret', webhookSecret: 'hook-secret' },
      },
      runtime.secretBox,
    ),
  );
  return {
    environment,
    runtime,
    creatorId,
    connectionId: connection!.id,
    async close() {
      await runtime.close();
      await environment.cleanup();
    },
  };
};

describe.each(backends())('the outbound delivery queue on $name', (backend) => {
  let harness: Harness;
  let services: ChannelServices;
  const provider = createScriptedSender();
  let memberId: string;
  let chat = 0;

  const db = () => harness.runtime.db;
  const tenant = <T>(work: Parameters<typeof withTenant<T>>[2]) => withTenant(db(), harness.creatorId, work);

  /** A Telegram member who wrote once (through the inbound pipeline), so the coach may answer them. */
  const telegramMember = async () => {
    chat += 1;
    const outcome = await services.inbound.receive(harness.creatorId, {
      channel: 'telegram',
      connectionId: harness.connectionId,
      externalId: String(9_000 + chat),
      providerMessageId: `update-${chat}-${randomUUID()}`,
      text: 'Hello coach',
      contentType: 'text',
      profile: { name: `Chat ${chat}` },
    });
    return outcome.memberId;
  };

  /** A stored coach message announced by the outbox, as the reply service does: its delivery id. */
  const queueReply = async (content: string, to = memberId) =>
    tenant(async (tx) => {
      const conversation = await messagesRepository.openConversation(tx, to, 'telegram');
      const message = await messagesRepository.insertOutbound(tx, {
        conversationId: conversation.id,
        memberId: to,
        channel: 'telegram',
        content,
        author: 'coach',
      });
      await services.outbox.announce(tx, {
        memberId: to,
        messageId: message.id,
        channel: 'telegram',
        kind: 'reply',
      });
      const { rows } = await tx.query<{ id: string }>(
        'select id from outbound_deliveries where message_id = $1',
        [message.id],
      );
      return rows[0]!.id;
    });

  type DeliveryState = {
    status: string;
    attempts: number;
    lastError: string | null;
    providerMessageId: string | null;
    nextAttemptAt: Date | null;
    sentAt: Date | null;
    messageStatus: string;
    messageProviderId: string | null;
  };
  const delivery = async (id: string) =>
    tenant(async (tx) => {
      const { rows } = await tx.query<DeliveryState>(
        `select d.status, d.attempts, d.last_error as "lastError", d.provider_message_id as "providerMessageId",
                d.next_attempt_at as "nextAttemptAt", d.sent_at as "sentAt", m.status as "messageStatus",
                m.provider_message_id as "messageProviderId"
           from outbound_deliveries d join messages m on m.id = d.message_id where d.id = $1`,
        [id],
      );
      return rows[0]!;
    });

  /** The queued send jobs of a delivery (pg-boss' table, read as its owner). */
  const sendJobs = async (deliveryId: string) => {
    const { rows } = await harness.runtime.database.query<{ startAfter: Date; state: string }>(
      `select start_after as "startAfter", state from pgboss.job where name = $1 and data->>'deliveryId' = $2
        order by created_on`,
      [deliverMessageJob.name, deliveryId],
    );
    return rows;
  };

  beforeAll(async () => {
    harness = await openHarness(backend);
    services = createChannelServices(harness.runtime, silent, { senders: { telegram: provider.sender } });
    memberId = await telegramMember();
  });
  afterAll(async () => harness?.close());
  beforeEach(() => provider.reset());

  it('sends a delivery once and records the provider id on the delivery and the message', async () => {
    const id = await queueReply('Drink a glass of water first thing.');
    expect(await sendJobs(id)).toHaveLength(1);
    provider.script({ providerMessageId: 'tg-1001' });
    await services.deliveries.deliver(harness.creatorId, id);

    expect(provider.sent).toEqual([
      {
        connectionId: harness.connectionId,
        payload: {
          externalId: String(9_001),
          text: 'Drink a glass of water first thing.',
          quickReplies: [],
          useTemplate: false,
        },
      },
    ]);
    expect(await delivery(id)).toMatchObject({
      status: 'sent',
      attempts: 1,
      lastError: null,
      providerMessageId: 'tg-1001',
      sentAt: expect.any(Date),
      messageStatus: 'sent',
      messageProviderId: 'tg-1001',
    });
    // A repeated job (pg-boss delivers at least once) finds it sent and sends nothing.
    await services.deliveries.deliver(harness.creatorId, id);
    expect(provider.sent).toHaveLength(1);
  });

  it('retries a retryable failure later: status failed, next attempt within the backoff window, a new job', async () => {
    const id = await queueReply('Walk ten minutes after lunch.');
    provider.script(new ProviderError('Bad Gateway', { retryable: true, status: 502 }));
    const before = Date.now();
    await services.deliveries.deliver(harness.creatorId, id);
    const after = Date.now();

    const state = await delivery(id);
    expect(state).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'Bad Gateway',
      messageStatus: 'stored',
    });
    // First attempt: a 5 s step, jittered into [2.5 s, 5 s].
    const wait = state.nextAttemptAt!.getTime();
    expect(wait).toBeGreaterThanOrEqual(before + 2_500 - 5);
    expect(wait).toBeLessThanOrEqual(after + 5_000 + 5);
    const jobs = await sendJobs(id);
    expect(jobs).toHaveLength(2);
    expect(Math.abs(jobs[1]!.startAfter.getTime() - wait)).toBeLessThan(1_000);

    // Errors that are not the provider's answer (a dropped connection) are retried the same way.
    provider.script(new TypeError('fetch failed'));
    await services.deliveries.deliver(harness.creatorId, id);
    expect(await delivery(id)).toMatchObject({ status: 'failed', attempts: 2, lastError: 'fetch failed' });
    provider.script({ providerMessageId: 'tg-1002' });
    await services.deliveries.deliver(harness.creatorId, id);
    expect(await delivery(id)).toMatchObject({ status: 'sent', attempts: 3, providerMessageId: 'tg-1002' });
  });

  it("waits as long as the provider's Retry-After asks when that is longer than the backoff", async () => {
    const id = await queueReply('Stretch for five minutes.');
    provider.script(
      new ProviderError('Too Many Requests: retry after 120', {
        retryable: true,
        status: 429,
        retryAfterMs: 120_000,
      }),
    );
    const before = Date.now();
    await services.deliveries.deliver(harness.creatorId, id);
    const state = await delivery(id);
    expect(state.status).toBe('failed');
    expect(state.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(before + 120_000);
    expect(state.nextAttemptAt!.getTime()).toBeLessThan(Date.now() + 121_000);
    expect((await sendJobs(id)).at(-1)!.startAfter.getTime()).toBeGreaterThanOrEqual(before + 119_000);
  });

  it('parks a permanent refusal in the dead letters at once, without another job', async () => {
    const id = await queueReply('See you tomorrow!');
    provider.script(
      new ProviderError('Forbidden: bot was blocked by the user', { retryable: false, status: 403 }),
    );
    await services.deliveries.deliver(harness.creatorId, id);
    expect(await delivery(id)).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastError: 'Forbidden: bot was blocked by the user',
      nextAttemptAt: null,
      messageStatus: 'failed',
    });
    expect(await sendJobs(id)).toHaveLength(1);
    await services.deliveries.deliver(harness.creatorId, id);
    expect(provider.sent).toHaveLength(1);
  });

  it('marks the connection in error when the provider rejects its credentials', async () => {
    const id = await queueReply('One more tip.');
    provider.script(new ProviderError('Unauthorized', { retryable: false, status: 401 }));
    await services.deliveries.deliver(harness.creatorId, id);
    expect((await delivery(id)).status).toBe('dead');
    const connection = await tenant(async (tx) => {
      const { rows } = await tx.query<{ status: string; lastError: string | null }>(
        'select status, last_error as "lastError" from channel_connections where id = $1',
        [harness.connectionId],
      );
      return rows[0]!;
    });
    expect(connection).toEqual({ status: 'error', lastError: 'Unauthorized' });
    // The next successful send puts it back to active.
    const next = await queueReply('And another.');
    await services.deliveries.deliver(harness.creatorId, next);
    expect((await delivery(next)).status).toBe('sent');
    const restored = await tenant(
      async (tx) =>
        (
          await tx.query<{ status: string }>('select status from channel_connections where id = $1', [
            harness.connectionId,
          ])
        ).rows[0]!,
    );
    expect(restored.status).toBe('active');
  });

  it('gives up after the last attempt: dead, with the last error', async () => {
    const id = await queueReply('Sleep by eleven.');
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      provider.script(
        new ProviderError(`Service Unavailable (${attempt})`, { retryable: true, status: 503 }),
      );
      await services.deliveries.deliver(harness.creatorId, id);
      expect((await delivery(id)).status).toBe(attempt < 8 ? 'failed' : 'dead');
    }
    expect(await delivery(id)).toMatchObject({
      status: 'dead',
      attempts: 8,
      lastError: 'Service Unavailable (8)',
      messageStatus: 'failed',
    });
    expect(provider.sent).toHaveLength(8);
    // Seven retries were scheduled (plus the first job); none after the last attempt.
    expect(await sendJobs(id)).toHaveLength(8);
  });

  it('does not resend a delivery found "sending" (its process died mid-call): dead, outcome unknown', async () => {
    const id = await queueReply('Remember your journal.');
    await tenant((tx) =>
      tx.query(
        `update outbound_deliveries set status = 'sending', attempts = 1, sending_started_at = now() - interval '3 minutes'
          where id = $1`,
        [id],
      ),
    );
    await services.deliveries.deliver(harness.creatorId, id);
    expect(provider.sent).toEqual([]);
    const state = await delivery(id);
    expect(state).toMatchObject({ status: 'dead', attempts: 1, messageStatus: 'failed' });
    expect(state.lastError).toMatch(/unknown whether the message arrived/);
    expect(state.lastError).toMatch(/not resent/);
  });

  it('never repeats a send the provider accepted, even when recording it fails', async () => {
    const id = await queueReply('Accepted, then the database hiccuped.');
    // The provider takes the message; then the write that records it fails (a dropped connection, a failover).
    await harness.runtime.database.exec(`
      create function refuse_sent() returns trigger language plpgsql as $$
      begin raise exception 'connection lost while recording the send'; end $$;
      create trigger refuse_sent before update on outbound_deliveries
        for each row when (new.status = 'sent' and new.id = '${id}') execute function refuse_sent();`);
    try {
      await expect(services.deliveries.deliver(harness.creatorId, id)).rejects.toThrow();
    } finally {
      await harness.runtime.database.exec(
        'drop trigger refuse_sent on outbound_deliveries; drop function refuse_sent();',
      );
    }
    expect(provider.sent).toHaveLength(1);
    // Not scheduled as a failed attempt: the job's own retry finds it "sending" and parks it, unsent again.
    expect(await delivery(id)).toMatchObject({ status: 'sending', attempts: 1 });
    expect(await sendJobs(id)).toHaveLength(1);
    await services.deliveries.deliver(harness.creatorId, id);
    expect(provider.sent).toHaveLength(1);
    expect((await delivery(id)).status).toBe('dead');
  });

  it("defers a delivery over the provider's pace without counting an attempt", async () => {
    const paced = await telegramMember();
    provider.pace((externalId) => [
      { key: `test-pace:${harness.creatorId}:${externalId}`, limit: 1, windowMs: 60_000 },
    ]);
    const first = await queueReply('First of two.', paced);
    const second = await queueReply('Second of two.', paced);
    await services.deliveries.deliver(harness.creatorId, first);
    const before = Date.now();
    await services.deliveries.deliver(harness.creatorId, second);

    expect(provider.sent.map((call) => call.payload.text)).toEqual(['First of two.']);
    const state = await delivery(second);
    expect(state).toMatchObject({ status: 'pending', attempts: 0, lastError: null, messageStatus: 'stored' });
    // The window frees up within its 60 s: the send is planned for then, with a job.
    expect(state.nextAttemptAt!.getTime()).toBeGreaterThan(before);
    expect(state.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
    const jobs = await sendJobs(second);
    expect(jobs).toHaveLength(2);
    expect(Math.abs(jobs[1]!.startAfter.getTime() - state.nextAttemptAt!.getTime())).toBeLessThan(1_000);
  });

  it('sends nothing and parks the delivery when no connection is left', async () => {
    const id = await queueReply('Orphaned.');
    await tenant((tx) =>
      tx.query(`update channel_connections set status = 'disabled' where id = $1`, [harness.connectionId]),
    );
    try {
      await services.deliveries.deliver(harness.creatorId, id);
    } finally {
      await tenant((tx) =>
        tx.query(`update channel_connections set status = 'active' where id = $1`, [harness.connectionId]),
      );
    }
    expect(provider.sent).toEqual([]);
    expect(await delivery(id)).toMatchObject({ status: 'dead', lastError: 'No active telegram connection.' });
  });
});

describe('backoffDelayMs', () => {
  it('waits between half the exponential step and the whole step, capped at the maximum', () => {
    for (let attempt = 0; attempt <= 14; attempt += 1) {
      const step = Math.min(60_000, 1_000 * 2 ** Math.max(0, attempt - 1));
      const samples = Array.from({ length: 200 }, () => backoffDelayMs(attempt, 1_000, 60_000));
      for (const delay of samples) {
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
      }
      // Jittered: retries of many deliveries do not line up.
      expect(new Set(samples).size).toBeGreaterThan(20);
    }
  });

  it('never answers zero, even for a tiny step', () => {
    expect(backoffDelayMs(1, 1, 1)).toBeGreaterThanOrEqual(0.5);
    expect(backoffDelayMs(1, 2, 2)).toBe(1);
  });
});

describe.each(backends())('a reply after its receiving process died, on $name', (backend) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await openHarness(backend);
  });
  afterAll(async () => harness?.close());

  it('is answered once by the reply job, and concurrent runs of one reply generate it once (the lease)', async () => {
    const provider = createScriptedSender();
    // The receiving process stores two messages with their reply jobs, then "dies" (no fast path, no workers).
    const receiving = createChannelServices(harness.runtime, silent, {
      senders: { telegram: provider.sender },
    });
    const receive = (update: string, text: string) =>
      receiving.inbound.receive(harness.creatorId, {
        channel: 'telegram',
        connectionId: harness.connectionId,
        externalId: '5550001',
        providerMessageId: update,
        text,
        contentType: 'text',
      });
    const orphan = await receive('update-crash-1', 'Is it fine to train every day?');
    const raced = await receive('update-crash-2', 'And on rest days?');
    const replyJobs = async () =>
      (
        await harness.runtime.database.query<{ messageId: string; state: string }>(
          `select data->>'messageId' as "messageId", state from pgboss.job where name = $1 order by created_on`,
          [replyToMessageJob.name],
        )
      ).rows;
    expect(await replyJobs()).toEqual([
      { messageId: orphan.messageId, state: 'created' },
      { messageId: raced.messageId, state: 'created' },
    ]);

    // Two runs of the same reply at once: one generates it, the other is turned away by the lease.
    const other = createChannelServices(harness.runtime, silent, { senders: { telegram: provider.sender } });
    const runs = await Promise.allSettled([
      other.replies.run(harness.creatorId, raced.messageId),
      other.replies.run(harness.creatorId, raced.messageId),
    ]);
    const refused = runs.filter((run) => run.status === 'rejected');
    expect(refused.length).toBeLessThanOrEqual(1);
    for (const run of refused) expect(run.reason).toBeInstanceOf(ReplyInProgressError);

    // Another process starts its workers: the jobs answer what is unanswered and nothing twice.
    await registerChannelWorkers(harness.runtime, silent, { senders: { telegram: provider.sender } });
    await eventually(
      async () => ((await replyJobs()).every((job) => job.state === 'completed') ? true : undefined),
      { timeoutMs: 30_000, what: 'both reply jobs to complete' },
    );
    const replies = await harness.runtime.database.query<{ id: string; replyTo: string; content: string }>(
      `select id, reply_to_message_id as "replyTo", content from messages where reply_to_message_id = any($1::uuid[])`,
      [[orphan.messageId, raced.messageId]],
    );
    expect(replies.rows.map((row) => row.replyTo).sort()).toEqual([orphan.messageId, raced.messageId].sort());
    expect(replies.rows[0]!.content).toContain('notes');

    // One announcement and one delivery per reply; each delivered exactly once.
    const replyIds = replies.rows.map((row) => row.id);
    const events = await harness.runtime.database.query<{ messageId: string }>(
      `select message_id as "messageId" from channel_events where message_id = any($1::uuid[])`,
      [replyIds],
    );
    expect(events.rows.map((row) => row.messageId).sort()).toEqual([...replyIds].sort());
    await eventually(async () => (provider.sent.length >= 2 ? true : undefined), {
      what: 'both replies to be delivered',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(provider.sent).toHaveLength(2);
    expect(provider.sent.map((call) => call.payload.externalId)).toEqual(['5550001', '5550001']);
  }, 90_000);
});
