import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export type SecretBox = {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** A keyed hash for low-entropy secrets (one-time codes): useless without the key, unlike a bare SHA-256. */
  mac(value: string): string;
};

const version = 'v1';

/**
 * AES-256-GCM with a key derived (HKDF-SHA256) from APP_ENCRYPTION_KEY. Ciphertexts carry a version so the
 * scheme can change without a flag day: `v1.<iv>.<tag>.<data>`, base64url.
 */
export const createSecretBox = (keyMaterial: string): SecretBox => {
  if (keyMaterial.length < 32) throw new Error('APP_ENCRYPTION_KEY must be at least 32 characters');
  const encryptionKey = Buffer.from(hkdfSync('sha256', keyMaterial, 'companero', 'secret-box v1', 32));
  const macKey = Buffer.from(hkdfSync('sha256', keyMaterial, 'companero', 'mac v1', 32));
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        version,
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        data.toString('base64url'),
      ].join('.');
    },
    decrypt(ciphertext) {
      const [tag, iv, authTag, data] = ciphertext.split('.');
      // An empty plaintext encrypts to an empty data segment: only a missing segment is malformed.
      if (tag !== version || !iv || !authTag || data === undefined)
        throw new Error('Unknown ciphertext format');
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(authTag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
    mac(value) {
      return createHmac('sha256', macKey).update(value).digest('base64url');
    },
  };
};
