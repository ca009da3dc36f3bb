/** The most origins the API keeps for one widget (`ZWidgetSettingsInput`). */
export const maxAllowedOrigins = 50;

export type OriginProblem = { line: number; value: string; message: string };

// The contract's rule (scheme, host, optional port; nothing after), checked here with a reason per line.
const originShape = /^(https?):\/\/([^/\s?#@]+)$/i;

const problemWith = (value: string): string | null => {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `Add the scheme: https://${value.replace(/^\/+/, '')}`;
  if (!/^https?:\/\//i.test(value)) return 'Only http:// and https:// pages can embed the widget.';
  if (/\s/.test(value)) return 'An origin has no spaces.';
  if (value.includes('@')) return 'Leave out any user name or password.';
  if (!originShape.test(value)) {
    const origin = value.match(/^https?:\/\/[^/?#]+/i)?.[0];
    return origin
      ? `Only the origin: ${origin} (scheme, host and optional port, without a path).`
      : 'Write it as https://example.com.';
  }
  try {
    const url = new URL(value);
    if (!url.hostname) return 'Write it as https://example.com.';
  } catch {
    return 'That is not a valid host or port.';
  }
  return null;
};

/**
 * Reads the allowed-origins editor: one origin per line, blank lines ignored. Each origin is written the way
 * browsers send it in the Origin header (lower-case host, default port dropped), so it matches; a line that is
 * not an origin gets a reason next to its line number. A trailing slash is forgiven.
 */
export const parseAllowedOrigins = (text: string): { origins: string[]; problems: OriginProblem[] } => {
  const origins: string[] = [];
  const problems: OriginProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const value = raw.trim().replace(/\/$/, '');
    if (!value) return;
    const message = problemWith(value);
    if (message) {
      problems.push({ line: index + 1, value: raw.trim(), message });
      return;
    }
    const origin = new URL(value).origin;
    if (!origins.includes(origin)) origins.push(origin);
  });
  if (origins.length > maxAllowedOrigins)
    problems.push({
      line: 0,
      value: '',
      message: `List at most ${maxAllowedOrigins} origins (now ${origins.length}).`,
    });
  return { origins, problems };
};
