import { randomBytes } from 'node:crypto';
import { createSecretBox } from '@companero/core/crypto/secret-box';
import { describe, expect, it } from 'vitest';

const key = randomBytes(32).toString('base64url');

/** Flips one bit of one base64url segment of a v1 ciphertext. */
const tamper = (ciphertext: string, segment: 1 | 2 | 3): string => {
  const parts = ciphertext.split('.');
  const bytes = Buffer.from(parts[segment]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[segment] = bytes.toString('base64url');
  return parts.join('.');
};

describe('createSecretBox', () => {
  it('decrypts what it encrypted, including non-ASCII text', () => {
    const box = createSecretBox(key);
    const plaintext = 'EAAG-token · Compañero ✓ 🔑';
    expect(box.decrypt(box.encrypt(plaintext))).toBe(plaintext);
    expect(box.decrypt(box.encrypt(''))).toBe('');
  });

  it('writes versioned ciphertexts that never repeat for the same plaintext', () => {
    const box = createSecretBox(key);
    const first = box.encrypt('same secret');
    const second = box.encrypt('same secret');
    expect(first).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('same secret');
  });

  it.each([
    { segment: 1, part: 'iv' },
    { segment: 2, part: 'authentication tag' },
    { segment: 3, part: 'data' },
  ] as const)('refuses a ciphertext whose $part segment was altered', ({ segment }) => {
    const box = createSecretBox(key);
    const ciphertext = box.encrypt('bank details');
    expect(() => box.decrypt(tamper(ciphertext, segment))).toThrow();
  });

  it('refuses a ciphertext made with another key', () => {
    const other = createSecretBox(randomBytes(32).toString('base64url'));
    expect(() => createSecretBox(key).decrypt(other.encrypt('secret'))).toThrow();
  });

  it('refuses unknown formats and versions', () => {
    const box = createSecretBox(key);
    const [, iv, tag, data] = box.encrypt('secret').split('.');
    expect(() => box.decrypt('plain text')).toThrow('Unknown ciphertext format');
    expect(() => box.decrypt(`v2.${iv}.${tag}.${data}`)).toThrow('Unknown ciphertext format');
    expect(() => box.decrypt(`v1.${iv}.${tag}`)).toThrow('Unknown ciphertext format');
  });

  it('gives a stable MAC for the same key and value, different across keys and values', () => {
    const box = createSecretBox(key);
    const again = createSecretBox(key);
    const other = createSecretBox(randomBytes(32).toString('base64url'));
    expect(box.mac('493021')).toBe(again.mac('493021'));
    expect(box.mac('493021')).not.toBe(box.mac('493022'));
    expect(box.mac('493021')).not.toBe(other.mac('493021'));
    expect(box.mac('493021')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses key material shorter than 32 characters', () => {
    expect(() => createSecretBox('too-short')).toThrow(/at least 32 characters/);
  });
});
