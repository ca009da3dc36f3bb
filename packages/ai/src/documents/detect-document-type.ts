import { fileTypeFromBuffer } from 'file-type';

export type DocumentKind = 'pdf' | 'docx' | 'markdown' | 'html' | 'text';

export const mimeTypes: Record<DocumentKind, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  markdown: 'text/markdown',
  html: 'text/html',
  text: 'text/plain',
};

const isUtf8Text = (bytes: Buffer): boolean => {
  const sample = bytes.subarray(0, 64 * 1024);
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(
      sample.length === bytes.length ? sample : sample.subarray(0, lastCompleteUtf8(sample)),
    );
    return true;
  } catch {
    return false;
  }
};

// The 64 KiB sample may cut a multi-byte character in half: decode only up to the last whole one.
const lastCompleteUtf8 = (sample: Buffer): number => {
  const end = sample.length;
  for (let back = 1; back <= 3 && end - back >= 0; back += 1) {
    const byte = sample[end - back]!;
    if ((byte & 0xc0) === 0xc0) return end - back;
    if ((byte & 0xc0) !== 0x80) break;
  }
  return end;
};

/**
 * What a file really is, from its bytes: PDF and DOCX by their signatures (a DOCX is a zip holding
 * word/document.xml — a renamed zip is not one), text formats by being valid UTF-8, then HTML by its markup
 * and Markdown by its extension or syntax. Anything else is unsupported (null).
 */
export const detectDocumentType = async (bytes: Buffer, fileName: string): Promise<DocumentKind | null> => {
  if (bytes.length === 0) return null;
  // A truncated archive makes the sniffer throw: such a file is not a supported document either.
  const detected = await fileTypeFromBuffer(bytes).catch(() => ({ ext: 'corrupt' as const }));
  if (detected) {
    if (detected.ext === 'pdf') return 'pdf';
    if (detected.ext === 'docx') return 'docx';
    return null;
  }
  if (!isUtf8Text(bytes)) return null;
  const head = bytes.subarray(0, 4096).toString('utf8').trimStart().toLowerCase();
  const extension = fileName.toLowerCase().split('.').pop() ?? '';
  if (
    ['html', 'htm', 'xhtml'].includes(extension) ||
    head.startsWith('<!doctype html') ||
    head.startsWith('<html') ||
    /<(body|article|p|h1|div)[\s>]/.test(head)
  ) {
    return 'html';
  }
  if (['md', 'markdown', 'mdx'].includes(extension) || /^#{1,6}\s/m.test(head)) return 'markdown';
  return 'text';
};
