import { normalizeReply } from '@companero/contracts/creator-hub/program-logic';
import type { TenantTx } from '@companero/db/tenant';
import { versionById } from '../repositories/programs.repository';
import { enrollmentsRepository, wakeupsRepository } from './enrollments.repository';
import { loadProactiveSettings } from './proactive-rules';
import { programMembersRepository } from './program-members.repository';
import {
  containsKeyword,
  enrollMembers,
  enrollOnEvent,
  enrollOnTagsAdded,
  publishedPrograms,
} from './triggers';

export const unsubscribedReply =
  'You will not get messages from the coach any more. Send START to subscribe again.';
export const resubscribedReply =
  'Welcome back! The coach can message you again. Send STOP at any time to stop.';

export type InboundEvent = {
  memberId: string;
  messageId: string;
  text: string;
  channel: string;
  /** The member's first inbound message (member_joined triggers). */
  firstMessage: boolean;
};

export type InboundDecision = { consumed: boolean; systemReply?: string };

const isKeyword = (text: string, keywords: readonly string[]) => {
  const normalized = normalizeReply(text);
  return normalized !== '' && keywords.some((keyword) => normalizeReply(keyword) === normalized);
};

/**
 * What a member's inbound text does to programs, inside the channel service's inbound transaction (which has
 * already stored the message and taken the member's row): unsubscribe/resubscribe keywords, a reply to the
 * member's most recent waiting question, then keyword and first-message triggers. `consumed` tells the channel
 * service not to have the coach answer the text as well.
 */
export const handleInboundInTx = async (
  tx: TenantTx,
  event: InboundEvent,
  now: Date,
): Promise<InboundDecision> => {
  const settings = await loadProactiveSettings(tx);
  if (isKeyword(event.text, settings.unsubscribeKeywords)) {
    await programMembersRepository.setUnsubscribed(tx, event.memberId, now);
    return { consumed: true, systemReply: unsubscribedReply };
  }
  const isUnsubscribed = await programMembersRepository.isUnsubscribed(tx, event.memberId);
  if (isUnsubscribed && isKeyword(event.text, settings.resubscribeKeywords)) {
    await programMembersRepository.setUnsubscribed(tx, event.memberId, null);
    return { consumed: true, systemReply: resubscribedReply };
  }

  const waiting = await enrollmentsRepository.lockWaitingForReply(tx, event.memberId);
  if (waiting) {
    const answers = { ...(waiting.context.answers ?? {}) };
    const version = await versionById(tx, waiting.versionId);
    const node = version?.graph.nodes.find((candidate) => candidate.id === waiting.currentNodeId);
    if (node?.type === 'ask' && node.data.saveAs) answers[node.data.saveAs] = event.text;
    // A new seq: the timeout job already on its way (if any) finds the enrollment moved on.
    const seq = waiting.seq + 1;
    await enrollmentsRepository.saveState(tx, waiting.id, {
      status: 'active',
      currentNodeId: waiting.currentNodeId,
      seq,
      waitingFor: null,
      wakeAt: null,
      exitReason: null,
      context: {
        ...waiting.context,
        answers,
        lastReply: event.text,
        pendingReply: { text: event.text, messageId: event.messageId, at: now.toISOString() },
      },
    });
    // Replaces the timeout's wake-up: due now, so the scheduler runs the ask step with the reply at once.
    await wakeupsRepository.upsert(tx, { enrollmentId: waiting.id, seq, dueAt: now });
    return { consumed: true };
  }

  if (!isUnsubscribed) {
    await enrollOnEvent(tx, {
      memberId: event.memberId,
      types: ['keyword'],
      matches: (trigger) =>
        trigger.type === 'keyword' &&
        trigger.keywords.some((keyword) => containsKeyword(event.text, keyword)),
      source: 'keyword',
      now,
    });
    if (event.firstMessage)
      await enrollOnEvent(tx, {
        memberId: event.memberId,
        types: ['member_joined'],
        matches: (trigger) => trigger.type === 'member_joined',
        source: 'member_joined',
        now,
      });
  }
  return { consumed: false };
};

/** tag_added triggers for a tag a member just got, inside the transaction that added it. */
export const handleTagAddedInTx = async (tx: TenantTx, memberId: string, tags: string[], now: Date) => {
  if (await programMembersRepository.isUnsubscribed(tx, memberId)) return [];
  return enrollOnTagsAdded(tx, { memberId, tags, now });
};

/**
 * Runs `change` (anything that sets members' tags, in `tx`) and enrolls the members who got a tag that a
 * published program's tag_added trigger listens for. Costs one query when no program listens for tags.
 */
export const withTagAddedTriggers = async <T>(
  tx: TenantTx,
  memberIds: string[],
  change: () => Promise<T>,
  now: Date = new Date(),
): Promise<T> => {
  if (memberIds.length === 0) return change();
  const programs = await publishedPrograms(tx, ['tag_added']);
  if (programs.length === 0) return change();
  const before = await programMembersRepository.tagsOf(tx, memberIds);
  const result = await change();
  const after = await programMembersRepository.tagsOf(tx, memberIds);
  for (const program of programs) {
    const listened = new Set(
      program.triggers.flatMap((trigger) => (trigger.type === 'tag_added' ? [trigger.tag] : [])),
    );
    const members = [...after].flatMap(([memberId, tags]) => {
      const previous = new Set(before.get(memberId) ?? []);
      return tags.some((tag) => listened.has(tag) && !previous.has(tag)) ? [memberId] : [];
    });
    const subscribed = members.length > 0 ? await programMembersRepository.subscribedOf(tx, members) : [];
    await enrollMembers(tx, { program, memberIds: subscribed, source: 'tag_added', now });
  }
  return result;
};
