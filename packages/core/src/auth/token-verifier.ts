import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  type JSONWebKeySet,
  jwtVerify,
} from 'jose';
import { AppError } from '../errors/app-error';
import { type TAccessTokenClaims, ZAccessTokenClaims } from './access-token';

export type TokenVerifier = { verify(token: string): Promise<TAccessTokenClaims> };

export type KeySetSource =
  | { kind: 'local'; load: () => Promise<JSONWebKeySet> }
  | { kind: 'remote'; url: string };

const invalid = (message: string, cause?: unknown) => new AppError('INVALID_TOKEN', { message, cause });

/**
 * Verifies RS256 access tokens. Only RS256 is accepted, so `alg: none` and HS256 tokens signed with the public
 * key as an HMAC secret are refused before any key is tried. A local key set reloads once when it meets an
 * unknown `kid` (a key rotated by another process).
 */
/**
 * Remembers verified tokens until they expire, so a client sending the same token on every request pays for
 * one RS256 verification, not one per request. Bounded; the oldest entry goes first.
 */
const withVerifiedTokenCache = (verifier: TokenVerifier, maxEntries = 10_000): TokenVerifier => {
  const verified = new Map<string, { claims: TAccessTokenClaims; expiresAt: number }>();
  return {
    async verify(token) {
      const cached = verified.get(token);
      if (cached && cached.expiresAt > Date.now()) return cached.claims;
      if (cached) verified.delete(token);
      const claims = await verifier.verify(token);
      const { exp } = decodeJwt(token);
      if (typeof exp === 'number') {
        if (verified.size >= maxEntries) verified.delete(verified.keys().next().value!);
        verified.set(token, { claims, expiresAt: exp * 1000 });
      }
      return claims;
    },
  };
};

type VerifierOptions = { source: KeySetSource; issuer: string; audience: string };

export const createTokenVerifier = (options: VerifierOptions): TokenVerifier =>
  withVerifiedTokenCache(createUncachedTokenVerifier(options));

const createUncachedTokenVerifier = (options: VerifierOptions): TokenVerifier => {
  const verifyOptions = { algorithms: ['RS256'], issuer: options.issuer, audience: options.audience };

  if (options.source.kind === 'remote') {
    const remote = createRemoteJWKSet(new URL(options.source.url), { cooldownDuration: 10_000 });
    return {
      async verify(token) {
        try {
          const { payload } = await jwtVerify(token, remote, verifyOptions);
          return parseClaims(payload);
        } catch (error) {
          throw toAppError(error);
        }
      },
    };
  }

  const { load } = options.source;
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  let loadedAt = 0;
  const refresh = async () => {
    keySet = createLocalJWKSet(await load());
    loadedAt = Date.now();
  };
  return {
    async verify(token) {
      if (!keySet) await refresh();
      try {
        const { payload } = await jwtVerify(token, keySet!, verifyOptions);
        return parseClaims(payload);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey && Date.now() - loadedAt > 1000) {
          await refresh();
          try {
            const { payload } = await jwtVerify(token, keySet!, verifyOptions);
            return parseClaims(payload);
          } catch (retryError) {
            throw toAppError(retryError);
          }
        }
        throw toAppError(error);
      }
    },
  };
};

const parseClaims = (payload: unknown): TAccessTokenClaims => {
  const parsed = ZAccessTokenClaims.safeParse(payload);
  if (!parsed.success) throw invalid('The token does not carry Compañero claims.');
  return parsed.data;
};

const toAppError = (error: unknown): AppError => {
  if (error instanceof AppError) return error;
  if (error instanceof errors.JWTExpired) return invalid('The access token has expired.', error);
  if (error instanceof errors.JOSEError) return invalid('The access token is not valid.', error);
  return invalid('The access token is not valid.', error);
};
