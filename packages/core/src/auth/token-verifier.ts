import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, jwtVerify } from 'jose';
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
export const createTokenVerifier = (options: {
  source: KeySetSource;
  issuer: string;
  audience: string;
}): TokenVerifier => {
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
