import type { TAskBranch, TConditionRule, TDuration, TProgramGraph } from './programs';

/**
 * The pure rules of coaching programs, shared by the engine (services/creator-hub), the server's simulator and
 * the browser editor: member-local time (through Intl only, so it runs in browsers and Node alike), ask-branch
 * matching, conditions and message templates. Nothing here reads a clock: every function takes its instant.
 */

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

export type TLocalParts = {
  /** The member-local calendar date, YYYY-MM-DD. */
  date: string;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Minutes since local midnight (0‥1439). */
  minutes: number;
};

export type TQuietHours = { start: string; end: string };

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

/** Whether the runtime knows this IANA time zone name. */
export const isValidTimeZone = (timeZone: string): boolean => {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
};

/** The first valid time zone of the candidates (member's, creator's…), else UTC. */
export const resolveTimeZone = (...candidates: (string | null | undefined)[]): string => {
  for (const candidate of candidates) if (candidate && isValidTimeZone(candidate)) return candidate;
  return 'UTC';
};

type WallClock = { year: number; month: number; day: number; hour: number; minute: number; second: number };

const wallClock = (instant: number, timeZone: string): WallClock => {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  return {
    year: values.year ?? 1970,
    month: values.month ?? 1,
    day: values.day ?? 1,
    hour: (values.hour ?? 0) % 24,
    minute: values.minute ?? 0,
    second: values.second ?? 0,
  };
};

/** The zone's offset from UTC at this instant, in ms (local = UTC + offset). */
const offsetAt = (instant: number, timeZone: string): number => {
  const clock = wallClock(instant, timeZone);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
};

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

const parseLocalTime = (time: string): number => {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!match) throw new RangeError(`Not a local time HH:MM: ${time}`);
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) throw new RangeError(`Not a local time HH:MM: ${time}`);
  return hours * 60 + minutes;
};

const parseLocalDate = (date: string): { year: number; month: number; day: number } => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`Not a date YYYY-MM-DD: ${date}`);
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
};

/** The calendar date `days` after `date` (YYYY-MM-DD, no time zone involved). */
export const addCalendarDays = (date: string, days: number): string => {
  const { year, month, day } = parseLocalDate(date);
  const shifted = new Date(Date.UTC(year, month - 1, day + days));
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
};

const weekdayOfDate = (date: string): number => {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
};

/** The member-local calendar date, weekday and minute of the day at this instant. */
export const localParts = (date: Date, timeZone: string): TLocalParts => {
  const clock = wallClock(date.getTime(), timeZone);
  const localDate = `${pad(clock.year, 4)}-${pad(clock.month)}-${pad(clock.day)}`;
  return { date: localDate, weekday: weekdayOfDate(localDate), minutes: clock.hour * 60 + clock.minute };
};

/**
 * The instant at which the zone's clock shows `minutes` past midnight on `date`. A time skipped by a DST jump
 * forward (02:30 on a spring-forward night) lands as far after the jump as it was after its start (03:30); a
 * time shown twice when clocks go back resolves to its first occurrence.
 */
export const zonedDateTime = (date: string, minutes: number, timeZone: string): Date => {
  const { year, month, day } = parseLocalDate(date);
  const wall = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  // Offsets a day either side cover any single transition near this wall time.
  const offsetBefore = offsetAt(wall - dayMs, timeZone);
  const offsetAfter = offsetAt(wall + dayMs, timeZone);
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter(
    (instant) => instant + offsetAt(instant, timeZone) === wall,
  );
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  return new Date(wall - offsetBefore);
};

/**
 * The next instant strictly after `after` when the zone's clock shows `time` (HH:MM) on one of `weekdays`
 * (0 = Sunday … 6 = Saturday; absent or empty = every day). DST-correct: 08:00 stays 08:00 local across changes.
 */
export const nextLocalTime = (
  after: Date,
  timeZone: string,
  time: string,
  weekdays?: readonly number[],
): Date => {
  const minutes = parseLocalTime(time);
  const allowed = weekdays && weekdays.length > 0 ? new Set(weekdays) : null;
  const today = localParts(after, timeZone).date;
  // Today's occurrence may be past, so up to 7 further days find every allowed weekday.
  for (let offset = 0; offset <= 8; offset += 1) {
    const date = addCalendarDays(today, offset);
    if (allowed && !allowed.has(weekdayOfDate(date))) continue;
    const candidate = zonedDateTime(date, minutes, timeZone);
    if (candidate.getTime() > after.getTime()) return candidate;
  }
  throw new RangeError(`No allowed weekday in ${JSON.stringify(weekdays)}`);
};

/**
 * `date` plus a duration. Minutes and hours are elapsed time; with a time zone, days are calendar days that
 * keep the local clock time across DST changes (without one they are 24-hour periods).
 */
export const addDuration = (date: Date, duration: TDuration, timeZone?: string): Date => {
  if (duration.unit === 'minutes') return new Date(date.getTime() + duration.amount * minuteMs);
  if (duration.unit === 'hours') return new Date(date.getTime() + duration.amount * 60 * minuteMs);
  if (!timeZone) return new Date(date.getTime() + duration.amount * dayMs);
  const parts = localParts(date, timeZone);
  const secondsAndMs = date.getTime() % minuteMs;
  const target = zonedDateTime(addCalendarDays(parts.date, duration.amount), parts.minutes, timeZone);
  return new Date(target.getTime() + (secondsAndMs >= 0 ? secondsAndMs : secondsAndMs + minuteMs));
};

/**
 * Whether the zone's clock at `date` is inside the window [start, end). A window whose end is before its start
 * crosses midnight (21:00–08:00); start = end is an empty window (never quiet).
 */
export const isInQuietHours = (date: Date, timeZone: string, window: TQuietHours): boolean => {
  const start = parseLocalTime(window.start);
  const end = parseLocalTime(window.end);
  if (start === end) return false;
  const { minutes } = localParts(date, timeZone);
  return start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
};

/** The instant the quiet hours around `date` end; `date` itself when it is not inside them. */
export const quietHoursEnd = (date: Date, timeZone: string, window: TQuietHours): Date => {
  if (!isInQuietHours(date, timeZone, window)) return date;
  return nextLocalTime(date, timeZone, window.end);
};

/** Lower case, accents and surrounding spaces/punctuation removed, inner spaces collapsed. */
export const normalizeReply = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

const words = (text: string): string[] => normalizeReply(text).split(' ').filter(Boolean);

const containsWords = (haystack: string[], needle: string[]): boolean => {
  if (needle.length === 0) return false;
  for (let index = 0; index + needle.length <= haystack.length; index += 1) {
    if (needle.every((word, offset) => haystack[index + offset] === word)) return true;
  }
  return false;
};

/** The first number written in the text ("about 7,5 hours" → 7.5), or null. */
export const firstNumber = (text: string): number | null => {
  const match = /[-−]?\d+(?:[.,]\d+)?/.exec(text);
  if (!match) return null;
  const value = Number(match[0].replace('−', '-').replace(',', '.'));
  return Number.isFinite(value) ? value : null;
};

export type TBranchMatch = { branchId: string | null } | { needsAi: TAskBranch[] };

/**
 * Which branch of an ask node a reply takes, trying branches in their order: `choice` = the whole reply equals
 * the choice value or label (case and accents ignored); `keyword` = one keyword appears as whole word(s);
 * `number` = the first number in the reply lies in [min, max]. When none matches and the node has `ai` branches
 * the caller classifies the reply against them (`needsAi`); otherwise `branchId: null` (the `other` exit).
 */
export const matchBranch = (branches: readonly TAskBranch[], text: string): TBranchMatch => {
  const reply = normalizeReply(text);
  const replyWords = reply.split(' ').filter(Boolean);
  const aiBranches: TAskBranch[] = [];
  for (const branch of branches) {
    const { match } = branch;
    switch (match.kind) {
      case 'choice':
        if (reply !== '' && (reply === normalizeReply(match.value) || reply === normalizeReply(branch.label)))
          return { branchId: branch.id };
        break;
      case 'keyword':
        if (match.keywords.some((keyword) => containsWords(replyWords, words(keyword))))
          return { branchId: branch.id };
        break;
      case 'number': {
        const value = firstNumber(text);
        if (
          value !== null &&
          value >= (match.min ?? Number.NEGATIVE_INFINITY) &&
          value <= (match.max ?? Number.POSITIVE_INFINITY)
        )
          return { branchId: branch.id };
        break;
      }
      case 'ai':
        aiBranches.push(branch);
        break;
    }
  }
  return aiBranches.length > 0 ? { needsAi: aiBranches } : { branchId: null };
};

export type TConditionFacts = {
  attributes: Record<string, unknown>;
  tags: readonly string[];
  /** The channel of the member's most recent conversation, if any. */
  channel: string | null;
  timezone: string | null;
  /** Current streak per habit name; absent = no habit data, and every habit_streak rule is false. */
  habitStreaks?: Record<string, number>;
  /** The member's points; absent = no gamification data, and every points rule is false. */
  points?: number;
};

const asNumber = (value: unknown): number | null => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return null;
};

const isoDatePattern = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const compareOrdered = (actual: unknown, expected: unknown): number | null => {
  const left = asNumber(actual);
  const right = asNumber(expected);
  if (left !== null && right !== null) return left - right;
  if (typeof actual === 'string' && typeof expected === 'string') {
    if (isoDatePattern.test(actual.trim()) && isoDatePattern.test(expected.trim())) {
      const difference = Date.parse(actual.trim()) - Date.parse(expected.trim());
      return Number.isNaN(difference) ? null : difference;
    }
  }
  return null;
};

const isEqual = (actual: unknown, expected: unknown): boolean => {
  const left = asNumber(actual);
  const right = asNumber(expected);
  if (left !== null && right !== null) return left === right;
  if (actual === null || actual === undefined || expected === undefined) return false;
  return normalizeReply(String(actual)) === normalizeReply(String(expected));
};

const compareValue = (op: TConditionRule['op'], actual: unknown, expected: unknown): boolean => {
  const isPresent = actual !== undefined && actual !== null && actual !== '';
  switch (op) {
    case 'exists':
      return isPresent;
    case 'not_exists':
      return !isPresent;
    case 'eq':
    case 'has':
      return isPresent && isEqual(actual, expected);
    case 'neq':
    case 'not_has':
      return !(isPresent && isEqual(actual, expected));
    case 'contains':
      return (
        isPresent &&
        expected !== undefined &&
        normalizeReply(String(actual)).includes(normalizeReply(String(expected)))
      );
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (!isPresent) return false;
      const difference = compareOrdered(actual, expected);
      if (difference === null) return false;
      if (op === 'gt') return difference > 0;
      if (op === 'gte') return difference >= 0;
      if (op === 'lt') return difference < 0;
      return difference <= 0;
    }
  }
};

const evaluateRule = (rule: TConditionRule, facts: TConditionFacts): boolean => {
  switch (rule.field) {
    case 'attribute':
      return rule.key ? compareValue(rule.op, facts.attributes[rule.key], rule.value) : false;
    case 'tag': {
      const wanted = rule.value === undefined ? '' : normalizeReply(String(rule.value));
      const hasTag = facts.tags.some((tag) => normalizeReply(tag) === wanted);
      switch (rule.op) {
        case 'has':
        case 'eq':
          return hasTag;
        case 'not_has':
        case 'neq':
          return !hasTag;
        case 'contains':
          return wanted !== '' && facts.tags.some((tag) => normalizeReply(tag).includes(wanted));
        case 'exists':
          return facts.tags.length > 0;
        case 'not_exists':
          return facts.tags.length === 0;
        default:
          return false;
      }
    }
    case 'channel':
      return compareValue(rule.op, facts.channel, rule.value);
    case 'timezone':
      return compareValue(rule.op, facts.timezone, rule.value);
    case 'habit_streak':
      if (!facts.habitStreaks || !rule.key) return false;
      return compareValue(rule.op, facts.habitStreaks[rule.key] ?? 0, rule.value);
    case 'points':
      if (facts.points === undefined) return false;
      return compareValue(rule.op, facts.points, rule.value);
  }
};

/**
 * A condition node's verdict: every rule (`all`) or one of them (`any`). Text compares ignore case and accents;
 * gt/lt compare numbers, or ISO dates. Rules on habit streaks or points are false while the member has no such
 * data (even `not_exists`), so a flow never branches on data the platform does not have yet.
 */
export const evaluateConditions = (
  match: 'all' | 'any',
  rules: readonly TConditionRule[],
  facts: TConditionFacts,
): boolean =>
  match === 'all'
    ? rules.every((rule) => evaluateRule(rule, facts))
    : rules.some((rule) => evaluateRule(rule, facts));

const templatePattern = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\s*\}\}/g;

/** The variable paths a text uses ("Hi {{member.firstName}}" → ["member.firstName"]), each once, in order. */
export const templateVariables = (text: string): string[] => [
  ...new Set(Array.from(text.matchAll(templatePattern), (match) => match[1] ?? '')),
];

/** Replaces {{a.b.c}} with the value at that path of `vars`; a missing or non-scalar value becomes ''. */
export const renderTemplate = (text: string, vars: Record<string, unknown>): string =>
  text.replace(templatePattern, (_whole, path: string) => {
    let value: unknown = vars;
    for (const key of path.split('.')) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return '';
      value = (value as Record<string, unknown>)[key];
    }
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
  });

/** The node an edge leaving `nodeId` by `handle` leads to (`next` also matches an edge without a handle). */
export const edgeTarget = (graph: TProgramGraph, nodeId: string, handle: string): string | null => {
  const edge = graph.edges.find(
    (candidate) => candidate.source === nodeId && (candidate.sourceHandle ?? 'next') === handle,
  );
  return edge ? edge.target : null;
};
