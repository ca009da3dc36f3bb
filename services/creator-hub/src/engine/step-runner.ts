import {
  addDuration,
  edgeTarget,
  evaluateConditions,
  matchBranch,
  nextLocalTime,
  renderTemplate,
  resolveTimeZone,
} from '@companero/contracts/creator-hub/program-logic';
import type {
  TAskBranch,
  TProactiveSettings,
  TProgramGraph,
  TProgramNode,
} from '@companero/contracts/creator-hub/programs';
import { type TenantDatabase, type TenantTx, withTenant } from '@companero/db/tenant';
import { latestVersion, versionById } from '../repositories/programs.repository';
import { habitConditionFacts } from '../services/habit-progress.service';
import {
  type EnrollmentContext,
  type EnrollmentRow,
  type EnrollmentState,
  enrollmentsRepository,
  finalStatuses,
  type StepOutcome,
  type StepRecord,
  sendsRepository,
  stepsRepository,
  type WakeupChange,
} from './enrollments.repository';
import type { ProgramEnginePorts } from './ports';
import { decideSend, parseProactiveSettings } from './proactive-rules';
import { type MemberFacts, programMembersRepository } from './program-members.repository';
import { enrollMembers, enrollOnTagsAdded } from './triggers';

/**
 * Runs an enrollment's steps, exactly once each.
 *
 * A step job names the enrollment and the `seq` it was made for. Under the member's and the enrollment's row
 * locks the runner does nothing unless the enrollment is still at that seq and running; every step it executes
 * writes its effects (the message into the outbox through `messenger.sendInTx`, tags, the step record, the
 * next wake-up) in that one transaction together with `seq + 1`. A replayed, duplicated or concurrent job
 * therefore either waits for the lock and finds the seq moved on, or its transaction never committed.
 *
 * Slow effects (AI compose, AI classify, webhook POST) cannot hold locks: the runner discovers the need inside
 * the transaction, leaves it without writing, performs the effect, and runs the transaction again with the
 * result — which is used only if the enrollment is still at the same seq and node. A crash in between costs
 * at most a regenerated AI text or a repeated webhook call (webhooks are at-least-once, with the
 * `Idempotency-Key: {enrollmentId}:{seq}` header for receivers to dedupe), never a second message.
 */

export type StepJob = { creatorId: string; enrollmentId: string; seq: number };
export type StepAttempt = { retryCount: number; retryLimit: number };

export type StepRunnerDeps = {
  db: TenantDatabase;
  ports: ProgramEnginePorts;
  now: () => Date;
  /** Instant nodes run in one job at most this many at a time (the rest continue in the next job). */
  maxStepsPerJob: number;
};

type SlowNeed =
  | {
      kind: 'compose';
      nodeId: string;
      seq: number;
      memberId: string;
      instruction: string;
      useKnowledge: boolean;
    }
  | { kind: 'classify'; nodeId: string; seq: number; text: string; branches: TAskBranch[] }
  | { kind: 'webhook'; nodeId: string; seq: number; url: string; body: Record<string, unknown> };

type Prepared =
  | { kind: 'compose'; nodeId: string; seq: number; text: string | null; error?: string }
  | { kind: 'classify'; nodeId: string; seq: number; branchId: string | null; error?: string }
  | { kind: 'webhook'; nodeId: string; seq: number; status: number | null; error?: string };

type Recorded = { outcome: StepOutcome; detail: Record<string, unknown> };

type NodeResult =
  | ({ kind: 'next'; handle: string } & Recorded)
  | ({ kind: 'wait'; waitingFor: 'time' | 'reply'; until: Date } & Recorded)
  | ({ kind: 'end'; status: 'completed' | 'exited' | 'failed'; reason: string | null } & Recorded)
  /** Woken before its time (clock skew between processes): sleep again, no step. */
  | { kind: 'rearm'; until: Date }
  /** A slow node later in the chain: continue it in its own job. */
  | { kind: 'yield' }
  | { kind: 'needs'; need: SlowNeed };

export type StepRunResult =
  | { kind: 'stale' }
  | { kind: 'ran'; steps: number; status: EnrollmentRow['status']; nodeId: string | null };

type Mode = 'enter' | 'reply' | 'timeout' | 'wake' | 'early';

const isFinal = (status: string) => (finalStatuses as readonly string[]).includes(status);

const stepMode = (enrollment: EnrollmentState, node: TProgramNode, now: Date): Mode => {
  if (enrollment.status === 'active')
    return node.type === 'ask' && enrollment.context.pendingReply ? 'reply' : 'enter';
  if (enrollment.wakeAt && new Date(enrollment.wakeAt).getTime() > now.getTime()) return 'early';
  if (enrollment.waitingFor === 'reply') return 'timeout';
  // Waiting for time at a wait node = its wait is over; at a sending node = a deferred send to retry.
  return node.type === 'wait' ? 'wake' : 'enter';
};

const firstName = (name: string | null) => name?.trim().split(/\s+/)[0] ?? '';

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

// Published versions never change: keep the latest few hundred graphs in memory (keys are version ids read
// through the tenant's own enrollment row, so a cached graph is only ever used for its own tenant).
const graphCacheSize = 500;

export const createStepRunner = (deps: StepRunnerDeps) => {
  const graphs = new Map<string, TProgramGraph>();
  const graphFor = async (tx: TenantTx, versionId: string): Promise<TProgramGraph | null> => {
    const cached = graphs.get(versionId);
    if (cached) return cached;
    const version = await versionById(tx, versionId);
    if (!version) return null;
    if (graphs.size >= graphCacheSize) graphs.delete(graphs.keys().next().value as string);
    graphs.set(versionId, version.graph);
    return version.graph;
  };

  /** Performs a slow effect outside any transaction; on the job's last attempt a failure becomes a result. */
  const perform = async (creatorId: string, need: SlowNeed, attempt: StepAttempt): Promise<Prepared> => {
    const isLastAttempt = attempt.retryCount >= attempt.retryLimit;
    try {
      if (need.kind === 'compose') {
        const { text } = await deps.ports.ai!.compose(creatorId, {
          memberId: need.memberId,
          instruction: need.instruction,
          useKnowledge: need.useKnowledge,
        });
        return { kind: 'compose', nodeId: need.nodeId, seq: need.seq, text };
      }
      if (need.kind === 'classify') {
        const intents = need.branches.map((branch) => ({
          id: branch.id,
          intent: branch.match.kind === 'ai' ? branch.match.intent : branch.label,
        }));
        const chosen = await deps.ports.ai!.classify(creatorId, { text: need.text, intents });
        const branchId = intents.some((intent) => intent.id === chosen) ? chosen : null;
        return { kind: 'classify', nodeId: need.nodeId, seq: need.seq, branchId };
      }
      const { status } = await deps.ports.postWebhook!({
        creatorId,
        url: need.url,
        idempotencyKey: `${need.body.enrollmentId}:${need.seq}`,
        body: need.body,
      });
      return { kind: 'webhook', nodeId: need.nodeId, seq: need.seq, status };
    } catch (error) {
      if (!isLastAttempt) throw error;
      const failure = { nodeId: need.nodeId, seq: need.seq, error: errorText(error) };
      if (need.kind === 'compose') return { kind: 'compose', text: null, ...failure };
      if (need.kind === 'classify') return { kind: 'classify', branchId: null, ...failure };
      return { kind: 'webhook', status: null, ...failure };
    }
  };

  type ChainContext = {
    tx: TenantTx;
    creatorId: string;
    enrollment: EnrollmentRow;
    state: EnrollmentState;
    graph: TProgramGraph;
    member: MemberFacts;
    settings: TProactiveSettings;
    timeZone: string;
    now: Date;
    prepared: Prepared | undefined;
    events: unknown[];
  };

  const preparedFor = <Kind extends Prepared['kind']>(
    ctx: ChainContext,
    kind: Kind,
    nodeId: string,
  ): Extract<Prepared, { kind: Kind }> | undefined => {
    const prepared = ctx.prepared;
    return prepared && prepared.kind === kind && prepared.nodeId === nodeId && prepared.seq === ctx.state.seq
      ? (prepared as Extract<Prepared, { kind: Kind }>)
      : undefined;
  };

  const templateVars = (ctx: ChainContext) => ({
    member: {
      name: ctx.member.name ?? '',
      firstName: firstName(ctx.member.name),
      email: ctx.member.email ?? '',
      attributes: ctx.member.attributes,
    },
    answers: ctx.state.context.answers ?? {},
    creator: { name: ctx.member.creatorName },
    coach: { name: ctx.member.coachName },
  });

  type SendOutcome =
    /** Not sent: the enrollment exits or waits (the node's result). */
    | { kind: 'stop'; result: NodeResult }
    | { kind: 'sent'; messageId: string; channel: string }
    | { kind: 'skipped'; reason: string; tried: string[] };

  /** The proactive rules, then the send itself (into the outbox, in this transaction). */
  const send = async (
    ctx: ChainContext,
    input: { text: string; quickReplies?: string[]; channel: string },
  ): Promise<SendOutcome> => {
    const decision = await decideSend(ctx.tx, {
      member: ctx.member,
      settings: ctx.settings,
      timeZone: ctx.timeZone,
      now: ctx.now,
      channel: input.channel,
    });
    if (decision.kind === 'exit')
      return {
        kind: 'stop',
        result: {
          kind: 'end',
          status: 'exited',
          reason: decision.reason,
          outcome: 'exited',
          detail: { reason: decision.reason },
        },
      };
    if (decision.kind === 'defer')
      return {
        kind: 'stop',
        result: {
          kind: 'wait',
          waitingFor: 'time',
          until: decision.until,
          outcome: 'deferred',
          detail: { reason: decision.reason, until: decision.until.toISOString() },
        },
      };
    const messenger = deps.ports.messenger;
    if (!messenger) return { kind: 'skipped', reason: 'no_messenger', tried: [] };
    const result = await messenger.sendInTx(ctx.tx, {
      memberId: ctx.member.id,
      text: input.text,
      quickReplies: input.quickReplies?.length ? input.quickReplies : undefined,
      channels: decision.channels,
    });
    if (!result.sent) return { kind: 'skipped', reason: result.reason, tried: result.tried };
    ctx.events.push(...result.events);
    await sendsRepository.insert(ctx.tx, {
      memberId: ctx.member.id,
      localDay: decision.localDay,
      messageId: result.messageId,
      source: `program:${ctx.enrollment.programId}`,
      at: ctx.now,
    });
    return { kind: 'sent', messageId: result.messageId, channel: result.channel };
  };

  const sentOrSkipped = (outcome: Exclude<SendOutcome, { kind: 'stop' }>): Recorded =>
    outcome.kind === 'sent'
      ? { outcome: 'completed', detail: { messageId: outcome.messageId, channel: outcome.channel } }
      : { outcome: 'skipped', detail: { reason: outcome.reason, tried: outcome.tried } };

  const executeNode = async (
    ctx: ChainContext,
    node: TProgramNode,
    mode: Mode,
    isFirst: boolean,
  ): Promise<NodeResult> => {
    if (mode === 'early') return { kind: 'rearm', until: new Date(ctx.state.wakeAt!) };
    switch (node.type) {
      case 'start':
        return {
          kind: 'next',
          handle: 'next',
          outcome: 'completed',
          detail: { source: ctx.enrollment.source },
        };

      case 'message': {
        const sent = await send(ctx, {
          text: renderTemplate(node.data.text, templateVars(ctx)),
          quickReplies: node.data.quickReplies,
          channel: node.data.channel,
        });
        if (sent.kind === 'stop') return sent.result;
        return { kind: 'next', handle: 'next', ...sentOrSkipped(sent) };
      }

      case 'ask': {
        if (mode === 'timeout') {
          delete ctx.state.context.pendingReply;
          return { kind: 'next', handle: 'timeout', outcome: 'completed', detail: { handle: 'timeout' } };
        }
        if (mode === 'reply') {
          const reply = ctx.state.context.pendingReply!;
          const matched = matchBranch(node.data.branches, reply.text);
          let branchId: string | null;
          let matchedBy = 'rule';
          const detail: Record<string, unknown> = {};
          if ('needsAi' in matched) {
            matchedBy = 'ai';
            if (!deps.ports.ai) {
              branchId = null;
              detail.ai = 'unavailable';
            } else {
              const classified = preparedFor(ctx, 'classify', node.id);
              if (!classified) {
                if (!isFirst) return { kind: 'yield' };
                return {
                  kind: 'needs',
                  need: {
                    kind: 'classify',
                    nodeId: node.id,
                    seq: ctx.state.seq,
                    text: reply.text,
                    branches: matched.needsAi,
                  },
                };
              }
              branchId = classified.branchId;
              if (classified.error) detail.ai = `failed: ${classified.error}`;
            }
          } else branchId = matched.branchId;
          const handle = branchId ?? 'other';
          const answers = { ...(ctx.state.context.answers ?? {}) };
          if (node.data.saveAs) answers[node.data.saveAs] = reply.text;
          ctx.state.context = { ...ctx.state.context, answers, lastReply: reply.text };
          delete ctx.state.context.pendingReply;
          return {
            kind: 'next',
            handle,
            outcome: 'completed',
            detail: {
              ...detail,
              handle,
              matchedBy: branchId ? matchedBy : 'none',
              reply: reply.text.slice(0, 500),
            },
          };
        }
        const sent = await send(ctx, {
          text: renderTemplate(node.data.text, templateVars(ctx)),
          quickReplies: node.data.quickReplies,
          channel: node.data.channel,
        });
        if (sent.kind === 'stop') return sent.result;
        const until = addDuration(ctx.now, node.data.timeout, ctx.timeZone);
        const recorded = sentOrSkipped(sent);
        // A question that could not be delivered still waits: the member may write on another channel.
        return {
          kind: 'wait',
          waitingFor: 'reply',
          until,
          outcome: sent.kind === 'sent' ? 'waiting' : 'skipped',
          detail: { ...recorded.detail, timeoutAt: until.toISOString() },
        };
      }

      case 'wait': {
        if (mode === 'wake') return { kind: 'next', handle: 'next', outcome: 'completed', detail: {} };
        const until =
          node.data.mode === 'duration'
            ? addDuration(ctx.now, node.data.duration, ctx.timeZone)
            : nextLocalTime(ctx.now, ctx.timeZone, node.data.time, node.data.weekdays);
        return {
          kind: 'wait',
          waitingFor: 'time',
          until,
          outcome: 'waiting',
          detail: { until: until.toISOString(), timeZone: ctx.timeZone },
        };
      }

      case 'condition': {
        // Habit streaks (by habit name) and points, read only when a rule asks for them.
        const needsHabits = node.data.rules.some(
          (rule) => rule.field === 'habit_streak' || rule.field === 'points',
        );
        const habits = needsHabits ? await habitConditionFacts(ctx.tx, ctx.member.id, ctx.now) : null;
        const result = evaluateConditions(node.data.match, node.data.rules, {
          attributes: ctx.member.attributes,
          tags: ctx.member.tags,
          channel: ctx.member.lastChannel,
          timezone: ctx.timeZone,
          ...(habits ? { habitStreaks: habits.habitStreaks, points: habits.points } : {}),
        });
        const handle = result ? 'true' : 'false';
        return { kind: 'next', handle, outcome: 'completed', detail: { result, handle } };
      }

      case 'ai_message': {
        if (!deps.ports.ai)
          return {
            kind: 'next',
            handle: 'next',
            outcome: 'failed',
            detail: { reason: 'ai_unavailable', handle: 'next' },
          };
        const composed = preparedFor(ctx, 'compose', node.id);
        if (!composed) {
          // The rules first: a deferred or refused send needs no text yet.
          const decision = await decideSend(ctx.tx, {
            member: ctx.member,
            settings: ctx.settings,
            timeZone: ctx.timeZone,
            now: ctx.now,
            channel: node.data.channel,
          });
          if (decision.kind === 'send') {
            if (!isFirst) return { kind: 'yield' };
            return {
              kind: 'needs',
              need: {
                kind: 'compose',
                nodeId: node.id,
                seq: ctx.state.seq,
                memberId: ctx.member.id,
                instruction: node.data.instruction,
                useKnowledge: node.data.useKnowledge,
              },
            };
          }
        }
        if (composed && composed.text === null)
          return {
            kind: 'next',
            handle: 'next',
            outcome: 'failed',
            detail: { reason: 'ai_failed', error: composed.error, handle: 'next' },
          };
        const sent = await send(ctx, { text: composed?.text ?? '', channel: node.data.channel });
        if (sent.kind === 'stop') return sent.result;
        // Only reachable with a composed text: without one, decideSend above answered exit or defer.
        const recorded = sentOrSkipped(sent);
        return {
          kind: 'next',
          handle: 'next',
          outcome: recorded.outcome,
          detail: { ...recorded.detail, composed: true },
        };
      }

      case 'tag': {
        const change =
          node.data.action === 'add'
            ? { add: node.data.tags, remove: [] }
            : { add: [], remove: node.data.tags };
        const added = await programMembersRepository.changeTags(ctx.tx, ctx.member.id, change);
        const removedSet = new Set(change.remove);
        ctx.member = {
          ...ctx.member,
          tags: [...new Set([...ctx.member.tags, ...change.add])].filter((tag) => !removedSet.has(tag)),
        };
        const enrolledIn = await enrollOnTagsAdded(ctx.tx, {
          memberId: ctx.member.id,
          tags: added,
          now: ctx.now,
          excludeProgramId: ctx.enrollment.programId,
        });
        return {
          kind: 'next',
          handle: 'next',
          outcome: 'completed',
          detail: { action: node.data.action, tags: node.data.tags, added, enrolledIn },
        };
      }

      case 'webhook': {
        const posted = preparedFor(ctx, 'webhook', node.id);
        if (!posted && deps.ports.postWebhook) {
          if (!isFirst) return { kind: 'yield' };
          return {
            kind: 'needs',
            need: {
              kind: 'webhook',
              nodeId: node.id,
              seq: ctx.state.seq,
              url: node.data.url,
              body: {
                event: 'program.step',
                creatorId: ctx.creatorId,
                programId: ctx.enrollment.programId,
                enrollmentId: ctx.enrollment.id,
                memberId: ctx.member.id,
                nodeId: node.id,
                answers: ctx.state.context.answers ?? {},
                at: ctx.now.toISOString(),
              },
            },
          };
        }
        if (posted && posted.status !== null)
          return { kind: 'next', handle: 'next', outcome: 'completed', detail: { status: posted.status } };
        const error = posted?.error ?? 'no webhook sender configured';
        if (edgeTarget(ctx.graph, node.id, 'failed'))
          return {
            kind: 'next',
            handle: 'failed',
            outcome: 'failed',
            detail: { reason: 'webhook_failed', error, handle: 'failed' },
          };
        return {
          kind: 'end',
          status: 'failed',
          reason: 'webhook_failed',
          outcome: 'failed',
          detail: { reason: 'webhook_failed', error },
        };
      }

      case 'goto_program': {
        const target = await latestVersion(ctx.tx, node.data.programId);
        const start = target?.graph.nodes.find((candidate) => candidate.type === 'start');
        let detail: Record<string, unknown> = { programId: node.data.programId };
        if (!target || !start) detail = { ...detail, enrolled: false, reason: 'not_published' };
        else {
          const enrolled = await enrollMembers(ctx.tx, {
            program: { programId: node.data.programId, versionId: target.id, startNodeId: start.id },
            memberIds: [ctx.member.id],
            source: `goto:${ctx.enrollment.programId}`,
            now: ctx.now,
          });
          detail = {
            ...detail,
            version: target.version,
            enrolled: enrolled.length > 0,
            ...(enrolled[0] ? { enrollmentId: enrolled[0].id } : { reason: 'already_enrolled' }),
          };
        }
        return { kind: 'end', status: 'completed', reason: 'goto_program', outcome: 'completed', detail };
      }

      case 'end':
        return { kind: 'end', status: 'completed', reason: null, outcome: 'completed', detail: {} };
    }
  };

  type LockedOutcome =
    | { kind: 'stale' }
    | { kind: 'needs'; need: SlowNeed }
    | {
        kind: 'ran';
        steps: number;
        state: EnrollmentState;
        events: unknown[];
        afterCommit: (() => Promise<void>)[];
      };

  /** Everything under the locks: the seq check, then the chain of steps, then the state written back. */
  const runLocked = async (
    tx: TenantTx,
    job: StepJob,
    prepared: Prepared | undefined,
  ): Promise<LockedOutcome> => {
    // Member row first, then the enrollment: the channel service's inbound transaction takes them in that order.
    const memberId = await programMembersRepository.lockForEnrollment(tx, job.enrollmentId);
    if (!memberId) return { kind: 'stale' };
    const enrollment = await enrollmentsRepository.lockById(tx, job.enrollmentId);
    if (!enrollment || enrollment.seq !== job.seq || isFinal(enrollment.status)) return { kind: 'stale' };
    const now = deps.now();
    const member = await programMembersRepository.facts(tx, enrollment.memberId);
    if (!member) return { kind: 'stale' };
    const graph = await graphFor(tx, enrollment.versionId);
    const state: EnrollmentState = {
      status: enrollment.status,
      currentNodeId: enrollment.currentNodeId,
      seq: enrollment.seq,
      waitingFor: enrollment.waitingFor,
      wakeAt: enrollment.wakeAt,
      context: structuredClone(enrollment.context ?? {}) as EnrollmentContext,
      exitReason: enrollment.exitReason,
    };
    const ctx: ChainContext = {
      tx,
      creatorId: job.creatorId,
      enrollment,
      state,
      graph: graph ?? { nodes: [], edges: [] },
      member,
      settings: parseProactiveSettings(member.proactiveSettings),
      timeZone: resolveTimeZone(member.timezone, member.creatorTimezone),
      now,
      prepared,
      events: [],
    };
    const nodes = new Map(ctx.graph.nodes.map((node) => [node.id, node]));
    // Written together at the end (one statement), in the order they ran.
    const records: StepRecord[] = [];
    const record = (node: { id: string; type: string }, recorded: Recorded) =>
      records.push({
        enrollmentId: enrollment.id,
        versionId: enrollment.versionId,
        seq: state.seq,
        nodeId: node.id,
        nodeType: node.type,
        outcome: recorded.outcome,
        detail: recorded.detail,
        at: now,
      });
    let wakeup: WakeupChange | undefined;
    const finish = (status: 'completed' | 'exited' | 'failed', reason: string | null) => {
      state.status = status;
      state.exitReason = reason;
      state.waitingFor = null;
      state.wakeAt = null;
      wakeup = { action: 'delete' };
    };

    let steps = 0;
    for (;;) {
      const node = state.currentNodeId ? nodes.get(state.currentNodeId) : undefined;
      if (!node) {
        // The version lost the node: nothing sensible to run.
        record(
          { id: state.currentNodeId ?? '?', type: 'unknown' },
          { outcome: 'failed', detail: { reason: 'missing_node' } },
        );
        state.seq += 1;
        finish('failed', 'missing_node');
        break;
      }
      if (steps >= deps.maxStepsPerJob) {
        wakeup = { action: 'set', seq: state.seq, dueAt: now };
        break;
      }
      const mode: Mode = steps === 0 ? stepMode(state, node, now) : 'enter';
      const result = await executeNode(ctx, node, mode, steps === 0);
      if (result.kind === 'needs') return { kind: 'needs', need: result.need };
      if (result.kind === 'yield') {
        wakeup = { action: 'set', seq: state.seq, dueAt: now };
        break;
      }
      if (result.kind === 'rearm') {
        wakeup = { action: 'set', seq: state.seq, dueAt: result.until };
        break;
      }
      record(node, result);
      state.seq += 1;
      steps += 1;
      if (result.kind === 'next') {
        const target = edgeTarget(ctx.graph, node.id, result.handle);
        if (!target) {
          finish('completed', 'no_next_step');
          break;
        }
        state.currentNodeId = target;
        state.status = 'active';
        state.waitingFor = null;
        state.wakeAt = null;
        continue;
      }
      if (result.kind === 'wait') {
        state.status = 'waiting';
        state.waitingFor = result.waitingFor;
        state.wakeAt = result.until;
        wakeup = { action: 'set', seq: state.seq, dueAt: result.until };
        break;
      }
      finish(result.status, result.reason);
      break;
    }
    await stepsRepository.insertMany(tx, records);
    if (records.length > 0) await enrollmentsRepository.saveState(tx, enrollment.id, state, wakeup);
    else if (wakeup) await enrollmentsRepository.changeWakeup(tx, enrollment.id, wakeup);
    // Points and achievements for the progress, keyed by step and enrollment so a replay pays nothing twice.
    const afterCommit: (() => Promise<void>)[] = [];
    const gamification = deps.ports.gamification;
    if (gamification) {
      const data = { programId: enrollment.programId, enrollmentId: enrollment.id };
      // The start node is the enrollment itself, not a step the member took.
      for (const step of records.filter(
        (entry) => entry.outcome === 'completed' && entry.nodeType !== 'start',
      ))
        afterCommit.push(
          (
            await gamification.recordEvent(tx, {
              memberId: enrollment.memberId,
              type: 'program_step_completed',
              key: `${enrollment.id}:${step.seq}`,
              data: { ...data, nodeId: step.nodeId },
            })
          ).afterCommit,
        );
      if (state.status === 'completed' && records.length > 0)
        afterCommit.push(
          (
            await gamification.recordEvent(tx, {
              memberId: enrollment.memberId,
              type: 'program_completed',
              key: enrollment.id,
              data,
            })
          ).afterCommit,
        );
    }
    return { kind: 'ran', steps, state, events: ctx.events, afterCommit };
  };

  return {
    /**
     * Runs the job: no-op when stale; otherwise the chain of steps from the enrollment's current state, with at
     * most one slow effect (performed between two attempts of the locked transaction).
     */
    async run(job: StepJob, attempt: StepAttempt = { retryCount: 0, retryLimit: 0 }): Promise<StepRunResult> {
      let prepared: Prepared | undefined;
      for (let round = 0; round < 3; round += 1) {
        const outcome = await withTenant(deps.db, job.creatorId, (tx) => runLocked(tx, job, prepared));
        if (outcome.kind === 'stale') return { kind: 'stale' };
        if (outcome.kind === 'needs') {
          prepared = await perform(job.creatorId, outcome.need, attempt);
          continue;
        }
        if (outcome.events.length > 0) await deps.ports.messenger?.publish(outcome.events);
        for (const after of outcome.afterCommit) await after().catch(() => {});
        return {
          kind: 'ran',
          steps: outcome.steps,
          status: outcome.state.status,
          nodeId: outcome.state.currentNodeId,
        };
      }
      throw new Error(`program step ${job.enrollmentId}:${job.seq} kept needing slow effects`);
    },
  };
};

export type StepRunner = ReturnType<typeof createStepRunner>;
