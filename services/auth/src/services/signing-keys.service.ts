import type { SecretBox } from '@companero/core/crypto/secret-box';
import { type AppTx, type TenantDatabase, withAppRole } from '@companero/db/tenant';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JSONWebKeySet,
  SignJWT,
} from 'jose';
import { signingKeysRepository } from '../repositories/signing-keys.repository';

export type AccessTokenClaims =
  | { typ: 'staff'; sub: string; cid: string; role: 'owner' | 'admin' | 'editor' | 'viewer' }
  | { typ: 'member'; sub: string; cid: string; role: 'member' };

export type SigningKeyServiceDeps = {
  db: TenantDatabase;
  secretBox: SecretBox;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
};

// A process re-reads the active key this often, so a rotation elsewhere reaches it quickly. The reload runs
// on a timer, never while signing: signing happens inside tenant transactions, which must not open another.
const activeKeyCacheMs = 60_000;
const jwksCacheMs = 10_000;

/**
 * RS256 signing keys: created on first start, private halves encrypted at rest, published in the JWKS with a
 * `kid` (the RFC 7638 thumbprint), rotated by `companero keys rotate`. A retired key stays published until
 * every token it signed has expired (access TTL plus the cache window).
 */
export const createSigningKeyService = (deps: SigningKeyServiceDeps) => {
  const graceSeconds = deps.accessTokenTtlSeconds + Math.ceil((activeKeyCacheMs * 2) / 1000);
  let active: { kid: string; key: CryptoKey; loadedAt: number } | undefined;
  let reloadTimer: NodeJS.Timeout | undefined;
  let jwks: { value: JSONWebKeySet; loadedAt: number } | undefined;

  const generate = async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', {
      modulusLength: 2048,
      extractable: true,
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return {
      kid,
      publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' },
      privateKeyCiphertext: deps.secretBox.encrypt(await exportPKCS8(privateKey)),
    };
  };

  const insertNewActive = async (tx: AppTx) => {
    const key = await generate();
    return (await signingKeysRepository.insertActive(tx, key)) ? key.kid : null;
  };

  const loadActive = async () => {
    const row = await withAppRole(deps.db, (tx) => signingKeysRepository.getActive(tx));
    if (!row) throw new Error('No active signing key: the auth service has not been started once.');
    // A key rotated by another process: a key set cached before the rotation lacks it, and this process would
    // reject the tokens it is about to sign until that cache expired.
    if (active && active.kid !== row.kid) jwks = undefined;
    active = {
      kid: row.kid,
      key: await importPKCS8(deps.secretBox.decrypt(row.privateKeyCiphertext), 'RS256'),
      loadedAt: Date.now(),
    };
    return active;
  };

  return {
    /**
     * Creates the first key pair if there is none (safe when several processes start at once), loads it, and
     * keeps it fresh in the background.
     */
    async start(): Promise<void> {
      await withAppRole(deps.db, async (tx) => {
        if (!(await signingKeysRepository.getActive(tx))) await insertNewActive(tx);
      });
      await loadActive();
      reloadTimer ??= setInterval(() => {
        loadActive().catch(() => {
          // keep signing with the loaded key; the next tick retries
        });
      }, activeKeyCacheMs);
      reloadTimer.unref();
    },
    stop(): void {
      clearInterval(reloadTimer);
      reloadTimer = undefined;
    },
    async rotate(): Promise<{ kid: string }> {
      const kid = await withAppRole(deps.db, async (tx) => {
        await signingKeysRepository.retireActive(tx);
        return insertNewActive(tx);
      });
      if (!kid) throw new Error('Key rotation raced with another rotation; run it again.');
      jwks = undefined;
      if (active) await loadActive();
      return { kid };
    },
    async jwks(): Promise<JSONWebKeySet> {
      if (jwks && Date.now() - jwks.loadedAt < jwksCacheMs) return jwks.value;
      const rows = await withAppRole(deps.db, (tx) => signingKeysRepository.listPublished(tx, graceSeconds));
      jwks = { value: { keys: rows.map((row) => row.publicJwk) }, loadedAt: Date.now() };
      return jwks.value;
    },
    async signAccessToken(claims: AccessTokenClaims, jti: string): Promise<string> {
      const key = active ?? (await loadActive());
      const { sub, ...rest } = claims;
      return new SignJWT(rest)
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(deps.issuer)
        .setAudience(deps.audience)
        .setIssuedAt()
        .setExpirationTime(`${deps.accessTokenTtlSeconds}s`)
        .setJti(jti)
        .sign(key.key);
    },
  };
};

export type SigningKeyService = ReturnType<typeof createSigningKeyService>;
