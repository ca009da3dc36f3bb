// Every character MarkdownV2 reserves; each must be escaped outside the entities we emit.
const reserved = /[_*[\]()~`>#+\-=|{}.!\\]/g;

export const escapeMarkdownV2 = (text: string): string =>
  text.replace(reserved, (character) => `\\${character}`);

/**
 * Converts the coach's light Markdown to Telegram MarkdownV2: **bold** and `code` survive, everything else is
 * escaped, so no answer can make Telegram reject the message ("can't parse entities").
 */
export const toTelegramMarkdown = (text: string): string => {
  const pattern = /\*\*([^*\n]+)\*\*|`([^`\n]+)`/g;
  let result = '';
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    result += escapeMarkdownV2(text.slice(last, match.index));
    if (match[1] !== undefined) result += `*${escapeMarkdownV2(match[1])}*`;
    else result += `\`${match[2]!.replace(/[`\\]/g, (character) => `\\${character}`)}\``;
    last = match.index + match[0].length;
  }
  return result + escapeMarkdownV2(text.slice(last));
};
