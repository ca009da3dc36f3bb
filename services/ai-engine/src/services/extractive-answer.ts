import type { RetrievedChunk } from '@companero/ai/retrieval/hybrid-retriever';

const sentencesOf = (text: string) =>
  text
    .replace(/\n+/g, ' ')
    .match(/[^.!?]+[.!?]+|[^.!?]+$/g)
    ?.map((sentence) => sentence.trim())
    .filter(Boolean) ?? [];

const wordsOf = (text: string) =>
  new Set(
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .match(/[a-z0-9]{3,}/g) ?? [],
  );

/** The sentences of `text` sharing the most words with `question` (ties: earlier first), with their overlap. */
export const rankSentences = (question: string, text: string) => {
  const questionWords = wordsOf(question);
  return sentencesOf(text)
    .map((sentence, position) => {
      let overlap = 0;
      for (const word of wordsOf(sentence)) if (questionWords.has(word)) overlap += 1;
      return { sentence, position, overlap };
    })
    .sort((a, b) => b.overlap - a.overlap || a.position - b.position);
};

/**
 * The answer when no language model is configured: the most relevant sentences of the best passages, quoted
 * with their citations, and an honest note that these are quotes. Useful offline, and never invented.
 */
export const composeExtractiveAnswer = (input: {
  coachName: string;
  question: string;
  sources: RetrievedChunk[];
}): { text: string; used: number[] } => {
  const quotes: string[] = [];
  const used: number[] = [];
  input.sources.slice(0, 3).forEach((source, index) => {
    const ranked = rankSentences(input.question, source.text);
    const best = ranked
      .slice(0, 2)
      .sort((a, b) => a.position - b.position)
      .map((entry) => entry.sentence);
    if (best.length === 0 || (index > 0 && (ranked[0]?.overlap ?? 0) === 0)) return;
    quotes.push(`“${best.join(' ')}” [${index + 1}]`);
    used.push(index + 1);
  });
  const text = [
    `Here is what ${input.coachName}'s materials say:`,
    ...quotes,
    '(No language model is configured, so these are the most relevant passages, quoted as written.)',
  ].join('\n\n');
  return { text, used };
};
