import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TConfig } from '../config/config.schema';

/**
 * APP_ENCRYPTION_KEY, or in the embedded mode (no DATABASE_URL) a key generated once into
 * DATA_DIR/secrets/encryption.key with mode 0600. With an external database every replica must share one
 * key, so the variable is then required.
 */
export const resolveEncryptionKey = (
  config: TConfig,
): { key: string; source: 'env' | 'generated' | 'file' } => {
  if (config.APP_ENCRYPTION_KEY) return { key: config.APP_ENCRYPTION_KEY, source: 'env' };
  if (config.DATABASE_URL) {
    throw new Error('APP_ENCRYPTION_KEY is required when DATABASE_URL is set (every replica must share it).');
  }
  const file = resolve(join(config.DATA_DIR, 'secrets', 'encryption.key'));
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), source: 'file' };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key, source: 'generated' };
};
