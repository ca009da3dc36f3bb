/**
 * Splits a long text into parts of at most `limit` characters, preferring paragraph, then line, then sentence,
 * then word boundaries, so each part reads on its own.
 */
export const splitMessage = (text: string, limit: number): string[] => {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut =
      [
        window.lastIndexOf('\n\n'),
        window.lastIndexOf('\n'),
        window.lastIndexOf('. '),
        window.lastIndexOf(' '),
      ].find((index) => index > limit * 0.5) ?? limit;
    const end = cut === limit ? limit : cut + 1;
    parts.push(rest.slice(0, end).trim());
    rest = rest.slice(end).trim();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
};
