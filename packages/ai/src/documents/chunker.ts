import type { DocumentBlock } from './document-blocks';

export type Chunk = {
  ordinal: number;
  headingPath: string[];
  page?: number;
  text: string;
  tokenCount: number;
};

export type ChunkOptions = { targetTokens?: number; overlapTokens?: number; maxTokens?: number };

// Word-piece tokenisers average ~1.3 tokens per English word; close enough to size chunks without loading one.
export const estimateTokens = (text: string): number => Math.ceil((text.match(/\S+/g)?.length ?? 0) * 1.3);

const splitSentences = (paragraph: string): string[] =>
  paragraph
    .match(/[^.!?…]+(?:[.!?…]+["')\]]*|$)\s*/g)
    ?.map((sentence) => sentence.trim())
    .filter(Boolean) ?? [paragraph];

/**
 * Heading-aware chunks: a chunk never spans two sections or two pages, so each cites one heading path and one
 * page. Within a section, paragraphs (then sentences, for long ones) are packed up to `targetTokens`, and each
 * chunk starts with the last ~`overlapTokens` of the previous one so an idea cut at a boundary stays findable.
 */
export const chunkBlocks = (blocks: DocumentBlock[], options: ChunkOptions = {}): Chunk[] => {
  const target = options.targetTokens ?? 220;
  const overlap = options.overlapTokens ?? 40;
  const max = options.maxTokens ?? Math.round(target * 1.6);
  const chunks: Chunk[] = [];
  for (const block of blocks) {
    const units = block.text
      .split(/\n{2,}/)
      .flatMap((paragraph) =>
        estimateTokens(paragraph) > max ? splitSentences(paragraph.replace(/\n/g, ' ')) : [paragraph.trim()],
      )
      .flatMap((unit) => (estimateTokens(unit) > max ? hardSplit(unit, target) : [unit]))
      .filter(Boolean);
    let current: string[] = [];
    let currentTokens = 0;
    const emit = () => {
      const text = current.join('\n\n').trim();
      if (!text) return;
      chunks.push({
        ordinal: chunks.length,
        headingPath: block.headingPath,
        page: block.page,
        text,
        tokenCount: estimateTokens(text),
      });
      // Carry the tail of this chunk into the next one.
      const tail: string[] = [];
      let tailTokens = 0;
      for (let index = current.length - 1; index >= 0 && tailTokens < overlap; index -= 1) {
        const sentences = splitSentences(current[index]!);
        for (let s = sentences.length - 1; s >= 0 && tailTokens < overlap; s -= 1) {
          tail.unshift(sentences[s]!);
          tailTokens += estimateTokens(sentences[s]!);
        }
      }
      current = tailTokens < currentTokens ? [tail.join(' ')] : [];
      currentTokens = current.length > 0 ? tailTokens : 0;
    };
    let hasNewText = false;
    for (const unit of units) {
      const tokens = estimateTokens(unit);
      if (currentTokens + tokens > target && hasNewText) {
        emit();
        hasNewText = false;
      }
      current.push(unit);
      currentTokens += tokens;
      hasNewText = true;
    }
    if (hasNewText) emit();
  }
  return chunks;
};

const hardSplit = (text: string, targetTokens: number): string[] => {
  const words = text.split(/\s+/);
  const size = Math.max(1, Math.floor(targetTokens / 1.3));
  const parts: string[] = [];
  for (let index = 0; index < words.length; index += size)
    parts.push(words.slice(index, index + size).join(' '));
  return parts;
};
