import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@companero/core/config/load-config';
import { resolveEncryptionKey } from '@companero/core/crypto/encryption-key';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

describe('resolveEncryptionKey', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'companero-key-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('uses APP_ENCRYPTION_KEY when it is set and writes no file', () => {
    const key = 'k'.repeat(43);
    const resolved = resolveEncryptionKey(loadConfig({ APP_ENCRYPTION_KEY: key, DATA_DIR: dataDir }));
    expect(resolved).toEqual({ key, source: 'env' });
    expect(existsSync(join(dataDir, 'secrets'))).toBe(false);
  });

  it('generates a key into DATA_DIR/secrets with mode 0600 in the embedded mode', () => {
    const resolved = resolveEncryptionKey(loadConfig({ DATA_DIR: dataDir }));
    const file = join(dataDir, 'secrets', 'encryption.key');
    expect(resolved.source).toBe('generated');
    expect(resolved.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(resolved.key);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'secrets')).mode & 0o077).toBe(0);
  });

  it('reuses the generated key on the next start', () => {
    const first = resolveEncryptionKey(loadConfig({ DATA_DIR: dataDir }));
    const second = resolveEncryptionKey(loadConfig({ DATA_DIR: dataDir }));
    expect(second).toEqual({ key: first.key, source: 'file' });
  });

  it('requires APP_ENCRYPTION_KEY with an external database, where replicas must share one key', () => {
    const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgres://app@db:5432/companero' });
    expect(() => resolveEncryptionKey(config)).toThrow(/APP_ENCRYPTION_KEY is required when DATABASE_URL/);
    expect(existsSync(join(dataDir, 'secrets'))).toBe(false);
  });
});
