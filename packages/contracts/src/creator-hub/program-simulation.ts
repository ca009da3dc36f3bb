import type { z } from 'zod';
import {
  addDuration,
  edgeTarget,
  evaluateConditions,
  isInQuietHours,
  localParts,
  matchBranch,
  nextLocalTime,
  normalizeReply,
  quietHoursEnd,
  renderTemplate,
  resolveTimeZone,
  type TQuietHours,
} from './program-logic';
import type {
  TAskBranch,
  TProgramGraph,
  TProgramNode,
  ZSimulateProgram,
  ZSimulationResult,
} from './programs';

export type TSimulateProgramInput = z.output<typeof ZSimulateProgram>;
export type TSimulationResult = z.infer<typeof ZSimulationResult>;
type TSimulationStep = TSimulationResult['path'][number];

/** What the simulation needs beyond the graph and the sample member; nothing here reads a clock. */
export type SimulationContext = {
  /** Where the simulated clock starts when the input has no `startAt` (the server passes its current time). */
  now: Date;
  creatorName?: string;
  coachName?: string;
  /** The creator's quiet hours: a message due inside them is held until they end, as the engine does. */
  quietHours?: TQuietHours | null;
};

const stopWords = new Set([
  'about',
  'have',
  'that',
  'their',
  'them',
  'they',
  'this',
  'what',
  'when',
  'with',
  'would',
]);
const stem = (word: string) => word.slice(0, 4);

/** The intent's meaningful words (4+ letters, not filler), compared by their first four letters. */
const intentStems = (intent: string) =>
  new Set(
    normalizeReply(intent)
      .split(' ')
      .filter((word) => word.length >= 4 && !stopWords.has(word))
      .map(stem),
  );

/** Stands in for the coach's classifier: the first ai branch whose intent shares a word with the reply. */
const matchIntentByKeywords = (branches: readonly TAskBranch[], reply: string): TAskBranch | null => {
  const replyStems = new Set(
    normalizeReply(reply)
      .split(' ')
      .filter((word) => word.length >= 4)
      .map(stem),
  );
  return (
    branches.find(
      (branch) =>
        branch.match.kind === 'ai' &&
        [...intentStems(branch.match.intent)].some((word) => replyStems.has(word)),
    ) ?? null
  );
};

const localLabel = (date: Date, timeZone: string) => {
  const parts = localParts(date, timeZone);
  const hours = String(Math.floor(parts.minutes / 60)).padStart(2, '0');
  const minutes = String(parts.minutes % 60).padStart(2, '0');
  return `${parts.date} ${hours}:${minutes} ${timeZone}`;
};

const quoted = (text: string) => `"${text}"`;

/**
 * Walks a program for a sample member on a simulated clock, the way the engine would run an enrollment, and
 * says what happened at each node. Waits advance the clock instead of pausing; an ask node consumes the next
 * scripted reply (or, with none left, waits its timeout and leaves by `timeout`); there is no AI, so `ai`
 * branches match by the words of their intent and ai_message nodes show their instruction; webhooks are not
 * called. Messages render their variables, and a send due in the quiet hours is held until they end.
 */
export const simulateProgram = (
  graph: TProgramGraph,
  input: TSimulateProgramInput,
  context: SimulationContext,
): TSimulationResult => {
  const timeZone = resolveTimeZone(input.member.timezone);
  const nodes = new Map(graph.nodes.map((node) => [node.id, node]));
  const member = { ...input.member, tags: [...input.member.tags] };
  const answers: Record<string, string> = {};
  const replies = [...input.replies];
  const path: TSimulationStep[] = [];
  let clock = input.startAt ? new Date(input.startAt) : context.now;

  const variables = () => {
    const email = member.attributes.email;
    return {
      member: {
        name: member.name,
        firstName: member.name.trim().split(/\s+/)[0] ?? '',
        email: typeof email === 'string' ? email : '',
        attributes: member.attributes,
      },
      answers,
      creator: { name: context.creatorName ?? '' },
      coach: { name: context.coachName ?? '' },
    };
  };

  /** Moves the clock past the quiet hours for a send; says so when it did. */
  const holdForQuietHours = (): string => {
    if (!context.quietHours || !isInQuietHours(clock, timeZone, context.quietHours)) return '';
    clock = quietHoursEnd(clock, timeZone, context.quietHours);
    return `Held for the quiet hours (${context.quietHours.start}–${context.quietHours.end}) until ${localLabel(clock, timeZone)}. `;
  };

  const withQuickReplies = (quickReplies: readonly string[]) =>
    quickReplies.length > 0 ? ` Quick replies: ${quickReplies.join(' | ')}.` : '';

  type Visit = {
    outcome: string;
    detail: string;
    /** The exit taken; null when the walk stops at this node. */
    via: string | null;
    ended?: TSimulationResult['ended'];
    /** Simulated time the node acted at (a held send's delivery time), when not the clock on entry. */
    at?: Date;
  };

  const visit = (node: TProgramNode): Visit => {
    switch (node.type) {
      case 'start': {
        const triggers = node.data.triggers.map((trigger) => trigger.type).join(', ') || 'none';
        const zoneNote =
          timeZone === input.member.timezone
            ? ''
            : ` ${quoted(input.member.timezone)} is not a time zone: UTC is used.`;
        return { outcome: 'started', detail: `Enrolled (triggers: ${triggers}).${zoneNote}`, via: 'next' };
      }
      case 'message': {
        const held = holdForQuietHours();
        const text = renderTemplate(node.data.text, variables());
        return {
          outcome: 'sent',
          detail: `${held}Sends ${quoted(text)} on ${node.data.channel === 'auto' ? member.channel : node.data.channel}.${withQuickReplies(node.data.quickReplies)}`,
          via: 'next',
          at: clock,
        };
      }
      case 'ai_message': {
        const held = holdForQuietHours();
        return {
          outcome: 'sent',
          detail: `${held}The coach writes a message: ${quoted(node.data.instruction)}${node.data.useKnowledge ? ', from the knowledge base' : ''} (no AI in the simulator: the instruction stands in for the text).`,
          via: 'next',
          at: clock,
        };
      }
      case 'ask': {
        const held = holdForQuietHours();
        const sentAt = clock;
        const question = `${held}Asks ${quoted(renderTemplate(node.data.text, variables()))}.${withQuickReplies(node.data.quickReplies)}`;
        const reply = replies.shift();
        if (reply === undefined) {
          if (!edgeTarget(graph, node.id, 'timeout')) {
            return {
              outcome: 'waiting',
              detail: `${question} No scripted reply is left and the timeout exit leads nowhere: the member would stay here.`,
              via: null,
              ended: 'waiting_for_reply',
              at: sentAt,
            };
          }
          clock = addDuration(clock, node.data.timeout, timeZone);
          return {
            outcome: 'timed_out',
            detail: `${question} No scripted reply is left: after ${node.data.timeout.amount} ${node.data.timeout.unit} (${localLabel(clock, timeZone)}) the timeout exit is taken.`,
            via: 'timeout',
            at: sentAt,
          };
        }
        if (node.data.saveAs) answers[node.data.saveAs] = reply;
        const saved = node.data.saveAs ? ` Saved as {{answers.${node.data.saveAs}}}.` : '';
        const match = matchBranch(node.data.branches, reply);
        const label = (branchId: string) =>
          node.data.branches.find((branch) => branch.id === branchId)?.label ?? branchId;
        if ('needsAi' in match) {
          const branch = matchIntentByKeywords(match.needsAi, reply);
          const how = branch
            ? `branch ${quoted(branch.label)}: no AI in the simulator, so it matched a word of the intent ${quoted(branch.match.kind === 'ai' ? branch.match.intent : '')}`
            : 'other: no AI in the simulator, and no word of an ai branch intent is in the reply';
          return {
            outcome: 'answered',
            detail: `${question} The member replies ${quoted(reply)} → ${how}.${saved}`,
            via: branch ? branch.id : 'other',
            at: sentAt,
          };
        }
        return {
          outcome: 'answered',
          detail: `${question} The member replies ${quoted(reply)} → ${match.branchId ? `branch ${quoted(label(match.branchId))}` : 'other: no branch matched'}.${saved}`,
          via: match.branchId ?? 'other',
          at: sentAt,
        };
      }
      case 'wait': {
        const from = clock;
        clock =
          node.data.mode === 'duration'
            ? addDuration(clock, node.data.duration, timeZone)
            : nextLocalTime(clock, timeZone, node.data.time, node.data.weekdays);
        return {
          outcome: 'waited',
          detail: `Waits until ${localLabel(clock, timeZone)}.`,
          via: 'next',
          at: from,
        };
      }
      case 'condition': {
        const isMet = evaluateConditions(node.data.match, node.data.rules, {
          attributes: member.attributes,
          tags: member.tags,
          channel: member.channel,
          timezone: member.timezone,
        });
        const usesMissingData = node.data.rules.some(
          (rule) => rule.field === 'habit_streak' || rule.field === 'points',
        );
        return {
          outcome: isMet ? 'true' : 'false',
          detail: `The sample member ${isMet ? 'meets' : 'does not meet'} ${node.data.match === 'all' ? 'all' : 'any'} of ${node.data.rules.length} rule${node.data.rules.length > 1 ? 's' : ''}.${usesMissingData ? ' The simulator has no habit or points data: those rules are false.' : ''}`,
          via: isMet ? 'true' : 'false',
        };
      }
      case 'tag': {
        for (const tag of node.data.tags) {
          const index = member.tags.indexOf(tag);
          if (node.data.action === 'add' && index < 0) member.tags.push(tag);
          if (node.data.action === 'remove' && index >= 0) member.tags.splice(index, 1);
        }
        return {
          outcome: 'tagged',
          detail: `${node.data.action === 'add' ? 'Adds' : 'Removes'} ${node.data.tags.join(', ')}; tags now: ${member.tags.join(', ') || 'none'}.`,
          via: 'next',
        };
      }
      case 'webhook':
        return {
          outcome: 'skipped',
          detail: `Would POST to ${node.data.url} (not called in the simulator); a failed call would take the "failed" exit.`,
          via: 'next',
        };
      case 'goto_program':
        return {
          outcome: 'exited',
          detail: `Continues in program ${node.data.programId}.`,
          via: null,
          ended: 'goto_program',
        };
      case 'end':
        return { outcome: 'completed', detail: 'The program ends.', via: null, ended: 'end' };
    }
  };

  let current: TProgramNode | undefined = graph.nodes.find((node) => node.type === 'start');
  while (current) {
    if (path.length >= input.maxSteps) return { path, ended: 'max_steps' };
    const enteredAt = clock;
    const result = visit(current);
    path.push({
      nodeId: current.id,
      type: current.type,
      at: (result.at ?? enteredAt).toISOString(),
      outcome: result.outcome,
      detail: result.detail,
      via: result.via,
    });
    if (result.ended) return { path, ended: result.ended };
    const targetId: string | null = result.via === null ? null : edgeTarget(graph, current.id, result.via);
    current = targetId === null ? undefined : nodes.get(targetId);
  }
  return { path, ended: 'dead_end' };
};
