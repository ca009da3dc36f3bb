import { randomUUID } from 'node:crypto';
import type { TAccessTokenClaims } from '@companero/core/auth/access-token';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export const issuer = 'https://auth.companero.test';
export const audience = 'companero';

export type SigningKey = {
  kid: string;
  publicJwk: JWK;
  publicPem: string;
  sign(
    payload: JWTPayload,
    options?: { expiresIn?: string | number; issuer?: string; audience?: string },
  ): Promise<string>;
};

/** A real RS256 key pair, as the auth service's signing-keys service makes them. */
export const createSigningKey = async (kid: string = randomUUID()): Promise<SigningKey> => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    publicJwk,
    publicPem: await exportSPKI(publicKey),
    sign: (payload, options = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuedAt()
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setExpirationTime(options.expiresIn ?? '15m')
        .sign(privateKey),
  };
};

export const staffClaims = (role: 'viewer' | 'editor' | 'admin' | 'owner' = 'owner'): TAccessTokenClaims => ({
  typ: 'staff',
  sub: randomUUID(),
  cid: randomUUID(),
  role,
  jti: randomUUID(),
});

export const memberClaims = (): TAccessTokenClaims => ({
  typ: 'member',
  sub: randomUUID(),
  cid: randomUUID(),
  role: 'member',
  jti: randomUUID(),
});
