import {
  addCalendarDays,
  localParts,
  normalizeReply,
  resolveTimeZone,
  zonedDateTime,
} from '@companero/contracts/creator-hub/program-logic';
import { type TProgramTrigger, ZProgramTrigger } from '@companero/contracts/creator-hub/programs';
import type { TenantTx } from '@companero/db/tenant';
import { enrollmentsRepository, occurrencesRepository, wakeupsRepository } from './enrollments.repository';
import { type PublishedStart, programTriggersRepository } from './program-triggers.repository';

/**
 * Enrollment by trigger. Event triggers (member_joined, tag_added, keyword) enroll inside the transaction that
 * saw the event; periodic ones (inactivity, date, schedule) are found by the per-creator scan job. Each periodic
 * occurrence is recorded in program_trigger_occurrences first, so it enrolls a member at most once, and the
 * running-enrollment unique index keeps a member from running one program twice. Only the latest published
 * version enrolls. A new enrollment gets a wake-up due at once: the scheduler turns it into its first step job.
 */

/** Scheduled occurrences this old are skipped (the scan was down): a late reminder is worse than none. */
export const triggerGraceMs = 24 * 3_600_000;

export const periodicTriggerTypes = ['inactivity', 'date', 'schedule'] as const;

const parseTriggers = (raw: unknown[]): TProgramTrigger[] =>
  raw.flatMap((trigger) => {
    const parsed = ZProgramTrigger.safeParse(trigger);
    return parsed.success ? [parsed.data] : [];
  });

export const publishedPrograms = async (
  tx: TenantTx,
  types: readonly TProgramTrigger['type'][],
): Promise<PublishedStart[]> =>
  (await programTriggersRepository.publishedWith(tx, types)).map((program) => ({
    ...program,
    triggers: parseTriggers(program.triggers),
  }));

/** Enrolls members in a program's latest version and wakes their first step; returns the new enrollments. */
export const enrollMembers = async (
  tx: TenantTx,
  input: {
    program: Pick<PublishedStart, 'programId' | 'versionId' | 'startNodeId'>;
    memberIds: string[];
    source: string;
    now: Date;
  },
): Promise<{ id: string; memberId: string }[]> => {
  const enrolled = await enrollmentsRepository.insertMany(tx, {
    programId: input.program.programId,
    versionId: input.program.versionId,
    startNodeId: input.program.startNodeId,
    memberIds: input.memberIds,
    source: input.source,
  });
  await wakeupsRepository.upsertMany(tx, {
    enrollmentIds: enrolled.map((row) => row.id),
    seq: 0,
    dueAt: input.now,
  });
  return enrolled;
};

/** Enrolls one member in every program whose triggers `matches` accepts (except `excludeProgramId`). */
export const enrollOnEvent = async (
  tx: TenantTx,
  input: {
    memberId: string;
    types: TProgramTrigger['type'][];
    matches: (trigger: TProgramTrigger) => boolean;
    source: string;
    now: Date;
    excludeProgramId?: string;
  },
): Promise<string[]> => {
  const programs = await publishedPrograms(tx, input.types);
  const enrolledIn: string[] = [];
  for (const program of programs) {
    if (program.programId === input.excludeProgramId || !program.triggers.some(input.matches)) continue;
    const enrolled = await enrollMembers(tx, {
      program,
      memberIds: [input.memberId],
      source: input.source,
      now: input.now,
    });
    if (enrolled.length > 0) enrolledIn.push(program.programId);
  }
  return enrolledIn;
};

/** tag_added triggers for tags a member just got (a tag node passes its own program as `excludeProgramId`). */
export const enrollOnTagsAdded = async (
  tx: TenantTx,
  input: { memberId: string; tags: string[]; now: Date; excludeProgramId?: string },
): Promise<string[]> => {
  if (input.tags.length === 0) return [];
  const added = new Set(input.tags);
  return enrollOnEvent(tx, {
    memberId: input.memberId,
    types: ['tag_added'],
    matches: (trigger) => trigger.type === 'tag_added' && added.has(trigger.tag),
    source: 'tag_added',
    now: input.now,
    excludeProgramId: input.excludeProgramId,
  });
};

const keywordWords = (text: string) => normalizeReply(text).split(' ').filter(Boolean);

/** Whether a keyword appears in the text as whole word(s), case and accents ignored. */
export const containsKeyword = (text: string, keyword: string): boolean => {
  const haystack = keywordWords(text);
  const needle = keywordWords(keyword);
  if (needle.length === 0) return false;
  for (let index = 0; index + needle.length <= haystack.length; index += 1)
    if (needle.every((word, offset) => haystack[index + offset] === word)) return true;
  return false;
};

export type ScanResult = { programs: number; enrolled: number; byTrigger: Record<string, number> };

/**
 * One scan of a creator's periodic triggers at `now`: every due occurrence enrolls its members (once).
 * Returns what it did, and `programs` = how many published programs still have periodic triggers (0 = the
 * scan chain can stop).
 */
export const scanPeriodicTriggers = async (
  tx: TenantTx,
  input: { now: Date; creatorTimezone: string },
): Promise<ScanResult> => {
  const { now } = input;
  const programs = await publishedPrograms(tx, periodicTriggerTypes);
  const result: ScanResult = { programs: programs.length, enrolled: 0, byTrigger: {} };
  let timezones: (string | null)[] | undefined;
  const enroll = async (program: PublishedStart, memberIds: string[], source: string) => {
    if (memberIds.length === 0) return;
    const enrolled = await enrollMembers(tx, { program, memberIds, source, now });
    result.enrolled += enrolled.length;
    result.byTrigger[source] = (result.byTrigger[source] ?? 0) + enrolled.length;
  };
  // An occurrence due before the version was published is not this version's to run.
  const isDue = (program: PublishedStart, due: Date) =>
    due.getTime() <= now.getTime() &&
    now.getTime() - due.getTime() < triggerGraceMs &&
    due.getTime() >= new Date(program.publishedAt).getTime();

  for (const program of programs) {
    for (const trigger of program.triggers) {
      if (trigger.type === 'inactivity') {
        const members = await programTriggersRepository.recordInactive(tx, {
          programId: program.programId,
          days: trigger.days,
          now,
        });
        await enroll(program, members, 'inactivity');
      } else if (trigger.type === 'date' && trigger.at) {
        const at = new Date(trigger.at);
        if (!isDue(program, at)) continue;
        const members = await programTriggersRepository.recordForEveryone(tx, {
          programId: program.programId,
          occurrence: `date:${at.toISOString()}`,
        });
        await enroll(program, members, 'date');
      } else if (trigger.type === 'date' && trigger.field) {
        // Local dates run up to a day either side of UTC; the exact due time is computed per member below.
        const today = now.toISOString().slice(0, 10);
        const candidates = await programTriggersRepository.withDateAttribute(tx, {
          field: trigger.field,
          from: addCalendarDays(today, -2 - trigger.offsetDays),
          to: addCalendarDays(today, 1 - trigger.offsetDays),
        });
        const items = candidates.flatMap((candidate) => {
          if (Number.isNaN(Date.parse(`${candidate.date}T00:00:00Z`))) return [];
          const day = addCalendarDays(candidate.date, trigger.offsetDays);
          const timeZone = resolveTimeZone(candidate.timezone, input.creatorTimezone);
          const [hours, minutes] = trigger.time.split(':').map(Number) as [number, number];
          const due = zonedDateTime(day, hours * 60 + minutes, timeZone);
          return isDue(program, due)
            ? [{ memberId: candidate.memberId, occurrence: `date:${trigger.field}:${day}` }]
            : [];
        });
        const members = await occurrencesRepository.insertNew(tx, { programId: program.programId, items });
        await enroll(program, members, 'date');
      } else if (trigger.type === 'schedule') {
        timezones ??= await programTriggersRepository.memberTimezones(tx);
        const [hours, minutes] = trigger.time.split(':').map(Number) as [number, number];
        for (const stored of timezones) {
          const timeZone = resolveTimeZone(stored, input.creatorTimezone);
          const local = localParts(now, timeZone);
          // Today's occurrence, or yesterday's when a late scan finds it (still within the grace period).
          for (const date of [local.date, addCalendarDays(local.date, -1)]) {
            const due = zonedDateTime(date, hours * 60 + minutes, timeZone);
            const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
            if (!trigger.weekdays.includes(weekday) || !isDue(program, due)) continue;
            const members = await programTriggersRepository.recordForTimezone(tx, {
              programId: program.programId,
              timezone: stored,
              tag: trigger.tag ?? null,
              occurrence: `schedule:${trigger.time}:${date}`,
            });
            await enroll(program, members, 'schedule');
          }
        }
      }
    }
  }
  return result;
};
