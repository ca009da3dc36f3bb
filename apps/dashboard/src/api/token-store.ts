import { type AccessClaims, readAccessClaims } from '../lib/jwt-claims';

export type TokenPair = { accessToken: string; refreshToken: string; expiresIn: number };

/**
 * `restoring`: a refresh token is stored but no access token is held yet (after a reload); the first API call
 * or the session bootstrap exchanges it.
 */
export type SessionSnapshot =
  | { status: 'signed-in'; claims: AccessClaims }
  | { status: 'restoring' }
  | { status: 'signed-out'; reason: 'signed-out' | 'expired' | null };

export type TokenStore = {
  /** The access token, or null when there is none or it expires within `marginMs`. */
  getAccessToken(marginMs?: number): string | null;
  /** Always read from storage: another tab may have rotated it. */
  getRefreshToken(): string | null;
  set(tokens: TokenPair): void;
  clear(reason: 'signed-out' | 'expired'): void;
  getSnapshot(): SessionSnapshot;
  subscribe(listener: () => void): () => void;
  /** The creator the account used last, offered again at the next sign-in. */
  getLastCreatorId(): string | null;
};

export const refreshTokenKey = 'companero.refreshToken';
const lastCreatorKey = 'companero.lastCreatorId';

/**
 * The access token lives in memory only (a script injected into the page cannot read it from storage); the
 * refresh token is kept in localStorage so a reload, or a second tab, stays signed in.
 */
export const createTokenStore = (storage: Storage = window.localStorage): TokenStore => {
  let accessToken: string | null = null;
  let claims: AccessClaims | null = null;
  const listeners = new Set<() => void>();
  const readRefreshToken = () => {
    try {
      return storage.getItem(refreshTokenKey);
    } catch {
      return null;
    }
  };
  let snapshot: SessionSnapshot = readRefreshToken()
    ? { status: 'restoring' }
    : { status: 'signed-out', reason: null };

  const publish = (next: SessionSnapshot) => {
    snapshot = next;
    for (const listener of listeners) listener();
  };

  const store: TokenStore = {
    getAccessToken(marginMs = 0) {
      if (!accessToken || !claims) return null;
      return claims.expiresAt - marginMs > Date.now() ? accessToken : null;
    },
    getRefreshToken: readRefreshToken,
    set(tokens) {
      const nextClaims = readAccessClaims(tokens.accessToken);
      if (!nextClaims) throw new Error('The server sent an access token this dashboard cannot read.');
      accessToken = tokens.accessToken;
      // The token's own `exp` wins; expiresIn covers a browser clock that is off.
      claims = {
        ...nextClaims,
        expiresAt: Math.min(nextClaims.expiresAt, Date.now() + tokens.expiresIn * 1000),
      };
      storage.setItem(refreshTokenKey, tokens.refreshToken);
      storage.setItem(lastCreatorKey, claims.creatorId);
      const previous = snapshot;
      const isSameSession =
        previous.status === 'signed-in' &&
        previous.claims.accountId === claims.accountId &&
        previous.claims.creatorId === claims.creatorId &&
        previous.claims.role === claims.role;
      // A silent refresh for the same account, creator and role is not news to the UI.
      publish(
        isSameSession ? { status: 'signed-in', claims: previous.claims } : { status: 'signed-in', claims },
      );
    },
    clear(reason) {
      accessToken = null;
      claims = null;
      storage.removeItem(refreshTokenKey);
      publish({ status: 'signed-out', reason });
    },
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getLastCreatorId() {
      try {
        return storage.getItem(lastCreatorKey);
      } catch {
        return null;
      }
    },
  };

  // Signing out in another tab removes the shared refresh token: follow it here too.
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key === refreshTokenKey && event.newValue === null && snapshot.status !== 'signed-out') {
        accessToken = null;
        claims = null;
        publish({ status: 'signed-out', reason: 'signed-out' });
      }
    });
  }
  return store;
};
