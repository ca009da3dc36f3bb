/** A run of text under one heading path ("Sleep > Evening routine"), on one page when the format has pages. */
export type DocumentBlock = { headingPath: string[]; text: string; page?: number };

export type ParsedDocument = { title?: string; pageCount?: number; blocks: DocumentBlock[] };

export class DocumentParseError extends Error {}

/**
 * Markdown to blocks: ATX headings (#…######) open sections, paragraphs keep their line breaks. Also the
 * common target for HTML and DOCX, which are converted to Markdown first.
 */
export const markdownToBlocks = (markdown: string, page?: number): ParsedDocument => {
  const blocks: DocumentBlock[] = [];
  const path: string[] = [];
  let buffer: string[] = [];
  let title: string | undefined;
  let isInFence = false;
  const flush = () => {
    const text = buffer.join('\n').trim();
    if (text) blocks.push({ headingPath: [...path], text, ...(page ? { page } : {}) });
    buffer = [];
  };
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) isInFence = !isInFence;
    const heading = isInFence ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length;
      const text = heading[2]!.replace(/[*_`]/g, '').trim();
      path.splice(level - 1);
      while (path.length < level - 1) path.push('');
      path[level - 1] = text;
      title ??= text;
      continue;
    }
    buffer.push(line);
  }
  flush();
  return {
    title,
    blocks: blocks.map((block) => ({ ...block, headingPath: block.headingPath.filter(Boolean) })),
  };
};

/**
 * Plain text: paragraphs separated by blank lines. A short paragraph of one line without closing punctuation
 * reads as a heading (the first one as the title), so plain-text guides keep their sections.
 */
export const textToBlocks = (text: string): ParsedDocument => {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
  const isHeading = (paragraph: string) =>
    !paragraph.includes('\n') && paragraph.length <= 80 && !/[.!?:;,…)"']$/.test(paragraph);
  const markdown = paragraphs
    .map((paragraph, index) =>
      isHeading(paragraph) && index < paragraphs.length - 1
        ? `${index === 0 ? '#' : '##'} ${paragraph}`
        : paragraph,
    )
    .join('\n\n');
  return markdownToBlocks(markdown);
};
