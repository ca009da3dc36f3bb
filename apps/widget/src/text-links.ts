/** A run of message text: plain, or a web address to show as a link. */
export type TextSegment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const trailingPunctuation = /[.,;:!?'"*_]$/;

/**
 * Splits text into plain runs and http(s) links. Only http and https become links (never `javascript:` or
 * `data:`), and sentence punctuation or an unmatched closing bracket after an address stays outside the link,
 * as people write "see https://example.com/a_(b)." and mean the address without the full stop.
 */
export const splitLinks = (text: string): TextSegment[] => {
  const segments: TextSegment[] = [];
  let position = 0;
  for (const match of text.matchAll(urlPattern)) {
    const start = match.index ?? 0;
    const candidate = trimAddress(match[0]);
    const href = toSafeHref(candidate);
    if (!href) continue;
    if (start > position) segments.push({ kind: 'text', text: text.slice(position, start) });
    segments.push({ kind: 'link', text: candidate, href });
    position = start + candidate.length;
  }
  if (position < text.length) segments.push({ kind: 'text', text: text.slice(position) });
  return segments;
};

const trimAddress = (address: string) => {
  let trimmed = address;
  for (;;) {
    if (trailingPunctuation.test(trimmed)) {
      trimmed = trimmed.slice(0, -1);
      continue;
    }
    const last = trimmed[trimmed.length - 1];
    const opener = last === ')' ? '(' : last === ']' ? '[' : last === '}' ? '{' : null;
    if (opener && last && count(trimmed, opener) < count(trimmed, last)) {
      trimmed = trimmed.slice(0, -1);
      continue;
    }
    return trimmed;
  }
};

const count = (text: string, character: string) => text.split(character).length - 1;

const toSafeHref = (address: string) => {
  try {
    const url = new URL(address);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
};
