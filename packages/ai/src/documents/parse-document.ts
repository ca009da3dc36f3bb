import mammoth from 'mammoth';
import { NodeHtmlMarkdown } from 'node-html-markdown';
import type { DocumentKind } from './detect-document-type';
import { DocumentParseError, markdownToBlocks, type ParsedDocument, textToBlocks } from './document-blocks';
import { extractPdfBlocks } from './pdf-parser';

const htmlToMarkdown = (html: string) =>
  NodeHtmlMarkdown.translate(html, {
    ignore: ['script', 'style', 'nav', 'footer', 'noscript'],
    maxConsecutiveNewlines: 2,
  });

const htmlTitle = (html: string) => /<title[^>]*>([^<]{1,200})<\/title>/i.exec(html)?.[1]?.trim();

/** Any supported file to heading-aware text blocks. Corrupt, encrypted or empty files throw a readable error. */
export const parseDocument = async (kind: DocumentKind, bytes: Buffer): Promise<ParsedDocument> => {
  const parsed = await parseByKind(kind, bytes);
  const blocks = parsed.blocks
    .map((block) => ({ ...block, text: cleanText(block.text) }))
    .filter((block) => block.text.length > 0);
  if (blocks.length === 0)
    throw new DocumentParseError('The document contains no readable text (is it a scan or an empty file?).');
  return { ...parsed, blocks };
};

const parseByKind = async (kind: DocumentKind, bytes: Buffer): Promise<ParsedDocument> => {
  switch (kind) {
    case 'pdf':
      return extractPdfBlocks(bytes);
    case 'docx': {
      let html: string;
      try {
        html = (await mammoth.convertToHtml({ buffer: bytes })).value;
      } catch (error) {
        throw new DocumentParseError(
          `The Word document could not be read: ${(error as Error).message.split('\n')[0]}`,
        );
      }
      return markdownToBlocks(htmlToMarkdown(html));
    }
    case 'html': {
      const html = bytes.toString('utf8');
      const parsed = markdownToBlocks(htmlToMarkdown(html));
      return { ...parsed, title: htmlTitle(html) ?? parsed.title };
    }
    case 'markdown':
      return markdownToBlocks(bytes.toString('utf8'));
    case 'text':
      return textToBlocks(bytes.toString('utf8'));
  }
};

/** Control characters out, whitespace runs collapsed, hyphenation at line ends joined. */
// Control characters except tab and line breaks (PDF extraction leaves form feeds and NULs behind).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point here
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export const cleanText = (text: string): string =>
  text
    .replace(controlCharacters, '')
    .replace(/(\w)-\n(\w)/g, '$1$2')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
