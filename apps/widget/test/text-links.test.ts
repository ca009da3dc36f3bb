import { describe, expect, it } from 'vitest';
import { splitLinks } from '../src/text-links';

describe('splitLinks', () => {
  it('turns http and https addresses into links and leaves the rest as text', () => {
    expect(splitLinks('Read https://example.com/guide and http://x.test/a?b=1#c now')).toEqual([
      { kind: 'text', text: 'Read ' },
      { kind: 'link', text: 'https://example.com/guide', href: 'https://example.com/guide' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.test/a?b=1#c', href: 'http://x.test/a?b=1#c' },
      { kind: 'text', text: ' now' },
    ]);
  });

  it('leaves sentence punctuation and an unmatched bracket outside the link', () => {
    expect(splitLinks('See (https://example.com/a_(b)).')).toEqual([
      { kind: 'text', text: 'See (' },
      { kind: 'link', text: 'https://example.com/a_(b)', href: 'https://example.com/a_(b)' },
      { kind: 'text', text: ').' },
    ]);
  });

  it('never makes a link of another scheme, and keeps markup as plain text', () => {
    const text = 'javascript:alert(1) <img src=x onerror=alert(1)> data:text/html,hi';
    expect(splitLinks(text)).toEqual([{ kind: 'text', text }]);
  });

  it('stops an address at quotes and angle brackets', () => {
    const segments = splitLinks('"https://example.com/x"<b>');
    expect(segments[1]).toEqual({
      kind: 'link',
      text: 'https://example.com/x',
      href: 'https://example.com/x',
    });
  });
});
