import { getDocumentProxy } from 'unpdf';
import { type DocumentBlock, DocumentParseError, type ParsedDocument } from './document-blocks';

type TextItem = { str: string; transform: number[]; height: number; hasEOL?: boolean };
type Line = { text: string; size: number; y: number };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * PDF text with headings inferred from type size: PDFs carry no heading structure, so a short line set
 * clearly larger than the body text (≥ 1.25× the median size) opens a section. Each block keeps its page.
 */
export const extractPdfBlocks = async (bytes: Buffer): Promise<ParsedDocument> => {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (/password/i.test(message))
      throw new DocumentParseError('The PDF is password-protected. Upload an unprotected copy.');
    throw new DocumentParseError(
      `The PDF could not be read (${message.split('\n')[0]}). Is the file complete?`,
    );
  }
  try {
    const pages: Line[][] = [];
    for (let pageNumber = 1; pageNumber <= pdf.numPages; pageNumber += 1) {
      const page = await pdf.getPage(pageNumber);
      const content = await page.getTextContent();
      const lines: Line[] = [];
      let current: Line | null = null;
      for (const raw of content.items as TextItem[]) {
        if (typeof raw.str !== 'string') continue;
        const y = raw.transform[5] ?? 0;
        const size = Math.abs(raw.height || raw.transform[3] || 0);
        if (current && Math.abs(current.y - y) < Math.max(2, size * 0.5)) {
          current.text += raw.str;
          current.size = Math.max(current.size, size);
        } else {
          if (current) lines.push(current);
          current = { text: raw.str, size, y };
        }
        if (raw.hasEOL && current) {
          lines.push(current);
          current = null;
        }
      }
      if (current) lines.push(current);
      pages.push(lines.filter((line) => line.text.trim()));
    }
    const bodySize = median(
      pages
        .flat()
        .map((line) => line.size)
        .filter((size) => size > 0),
    );
    const blocks: DocumentBlock[] = [];
    let headingPath: string[] = [];
    let title: string | undefined;
    pages.forEach((lines, index) => {
      let buffer: string[] = [];
      const flush = () => {
        const text = buffer.join('\n').trim();
        if (text) blocks.push({ headingPath: [...headingPath], text, page: index + 1 });
        buffer = [];
      };
      for (const line of lines) {
        const text = line.text.trim();
        const isHeading =
          bodySize > 0 && line.size >= bodySize * 1.25 && text.length <= 120 && !/[.:;,]$/.test(text);
        if (isHeading) {
          flush();
          // Two heading levels: the largest sizes are chapters, the rest sections.
          headingPath = line.size >= bodySize * 1.6 ? [text] : [headingPath[0] ?? '', text].filter(Boolean);
          title ??= text;
        } else buffer.push(text);
      }
      flush();
    });
    return { title, pageCount: pdf.numPages, blocks };
  } finally {
    await pdf.destroy();
  }
};
