/**
 * Recognises a habit check-in in a member's plain reply ("did my run", "done with water ✅", "skip yoga
 * today"), deterministically and without a model:
 *
 * 1. Text is lower-cased, accents are dropped ("terminé" → "termine"), and it is split into words.
 * 2. Intent: a done cue (done, did, finished, completed, logged, checked, ✅ ✔ ☑, hecho, hice, listo, terminé,
 *    completé) or a skip cue (skip, skipped, skipping, salto, salté, saltar). A negation up to three words
 *    before a cue or right after it ("didn't", "did not", "not done", "no hice") cancels it. Skip wins over done
 *    ("done for today, skip the run" is a skip of the run). No cue → not a check-in.
 * 3. Habit: each adopted habit's terms are its keywords (whole phrases) and the words of its name longer than
 *    two letters that are not stop words; a term matches when its words appear in the reply in order,
 *    ignoring a plural "s". The habit with most matching terms wins; a tie is ambiguous (nothing recorded).
 *    With no habit named, a reply that is only a cue ("done ✅", "did it") goes to the member's only habit.
 * 4. Day: "yesterday" / "ayer" checks in yesterday's occurrence; otherwise today.
 */

export type ReplyHabit = { id: string; name: string; keywords: readonly string[] };

export type ReplyMatch =
  | {
      kind: 'match';
      habitId: string;
      status: 'done' | 'skipped';
      /** 0 = today, −1 = yesterday (member-local). */
      dayOffset: 0 | -1;
      /** The reply says nothing but the check-in (the coach need not answer it). */
      isBareCheckIn: boolean;
    }
  | {
      kind: 'none';
      reason: 'no_intent' | 'negated' | 'no_habit_mentioned' | 'ambiguous' | 'no_active_habits';
      candidates: string[];
    };

const doneCues = new Set([
  'done',
  'did',
  'finished',
  'finish',
  'completed',
  'complete',
  'logged',
  'checked',
  'hecho',
  'hecha',
  'hice',
  'listo',
  'lista',
  'termine',
  'terminado',
  'terminada',
  'complete',
  'completado',
  'completada',
]);
const skipCues = new Set(['skip', 'skipped', 'skipping', 'salto', 'salte', 'saltar', 'saltado']);
const negations = new Set([
  "didn't",
  'didnt',
  'not',
  'no',
  'never',
  "haven't",
  'havent',
  "hasn't",
  "couldn't",
  'couldnt',
  "can't",
  'cant',
  "won't",
  'wont',
  'nope',
  'nunca',
]);
const doneEmoji = /[✅✔☑]/u;
const yesterdayWords = new Set(['yesterday', 'ayer']);
const stopWords = new Set([
  'the',
  'and',
  'for',
  'with',
  'your',
  'my',
  'every',
  'each',
  'day',
  'daily',
  'times',
  'minutes',
  'mins',
  'del',
  'las',
  'los',
  'con',
  'por',
  'para',
  'una',
  'cada',
  'dia',
  'diario',
]);
// Words a bare check-in may carry besides the cue ("all done for today!", "did it", "ya está").
const fillerWords = new Set([
  'i',
  'it',
  'all',
  'just',
  'today',
  'now',
  'yes',
  'yay',
  'ok',
  'okay',
  'for',
  'hoy',
  'ya',
  'esta',
  'todo',
  'lo',
  'si',
  'yesterday',
  'ayer',
  'a',
  'mi',
  'el',
  'la',
  'de',
  'with',
]);

const words = (text: string): string[] =>
  text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[’‘]/g, "'")
    .split(/[^\p{L}\p{N}']+/u)
    .map((word) => word.replace(/^'+|'+$/g, ''))
    .filter(Boolean);

const singular = (word: string) =>
  word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;

const termsOf = (habit: ReplyHabit): string[][] => {
  const nameTerms = words(habit.name)
    .filter((word) => word.length > 2 && !stopWords.has(word) && !/^\d+$/.test(word))
    .map((word) => [singular(word)]);
  const keywordTerms = habit.keywords
    .map((keyword) => words(keyword).map(singular))
    .filter((term) => term.length > 0);
  const unique = new Map<string, string[]>();
  for (const term of [...keywordTerms, ...nameTerms]) unique.set(term.join(' '), term);
  return [...unique.values()];
};

const containsPhrase = (haystack: string[], phrase: string[]): boolean => {
  for (let start = 0; start + phrase.length <= haystack.length; start += 1) {
    if (phrase.every((word, offset) => haystack[start + offset] === word)) return true;
  }
  return false;
};

const isNegatedAt = (tokens: string[], index: number) =>
  tokens.slice(Math.max(0, index - 3), index + 2).some((token, offset) => {
    const position = Math.max(0, index - 3) + offset;
    return position !== index && negations.has(token);
  });

/** Reads a reply against the member's active habits; see the rules above. */
export const matchHabitReply = (text: string, habits: readonly ReplyHabit[]): ReplyMatch => {
  const tokens = words(text);
  const hasDoneEmoji = doneEmoji.test(text);
  const cueIndexes = tokens.flatMap((token, index) =>
    doneCues.has(token) || skipCues.has(token) ? [index] : [],
  );
  if (cueIndexes.length === 0 && !hasDoneEmoji) return { kind: 'none', reason: 'no_intent', candidates: [] };
  const liveCues = cueIndexes.filter((index) => !isNegatedAt(tokens, index));
  if (liveCues.length === 0 && !hasDoneEmoji) return { kind: 'none', reason: 'negated', candidates: [] };
  const status = liveCues.some((index) => skipCues.has(tokens[index]!)) ? 'skipped' : 'done';
  const dayOffset = tokens.some((token) => yesterdayWords.has(token)) ? -1 : 0;
  if (habits.length === 0) return { kind: 'none', reason: 'no_active_habits', candidates: [] };

  const stems = tokens.map(singular);
  const scored = habits
    .map((habit) => {
      const matched = termsOf(habit).filter((term) => containsPhrase(stems, term));
      return { habit, score: matched.length, matchedWords: new Set(matched.flat()) };
    })
    .filter((entry) => entry.score > 0)
    .sort((left, right) => right.score - left.score);

  const leftover = (matchedWords: Set<string>) =>
    stems.filter(
      (word, index) =>
        !cueIndexes.includes(index) &&
        !matchedWords.has(word) &&
        !fillerWords.has(word) &&
        !stopWords.has(word),
    );
  const isQuestion = text.includes('?');
  const isBare = (matchedWords: Set<string>) => !isQuestion && leftover(matchedWords).length === 0;

  if (scored.length === 0) {
    // Only a cue, no habit named: the member's only habit, if there is exactly one.
    if (habits.length === 1 && isBare(new Set())) {
      return { kind: 'match', habitId: habits[0]!.id, status, dayOffset, isBareCheckIn: true };
    }
    return { kind: 'none', reason: 'no_habit_mentioned', candidates: habits.map((habit) => habit.id) };
  }
  const best = scored[0]!;
  const tied = scored.filter((entry) => entry.score === best.score);
  if (tied.length > 1) {
    return { kind: 'none', reason: 'ambiguous', candidates: tied.map((entry) => entry.habit.id) };
  }
  return {
    kind: 'match',
    habitId: best.habit.id,
    status,
    dayOffset,
    isBareCheckIn: isBare(best.matchedWords),
  };
};
