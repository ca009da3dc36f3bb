import type { TStaffRole } from '@companero/contracts/auth/session';

/** What the dashboard reads from an access token. The server verifies the signature; the browser only reads. */
export type AccessClaims = {
  accountId: string;
  creatorId: string;
  role: TStaffRole;
  expiresAt: number;
};

const roles = new Set<string>(['owner', 'admin', 'editor', 'viewer']);

const decodeBase64Url = (segment: string): string => {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
  return new TextDecoder().decode(bytes);
};

/** The claims of a staff access token, or null when it is not one (malformed, or a member token). */
export const readAccessClaims = (accessToken: string): AccessClaims | null => {
  const payload = accessToken.split('.')[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(decodeBase64Url(payload));
    if (typeof claims !== 'object' || claims === null) return null;
    const { sub, cid, role, exp } = claims as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof cid !== 'string' || typeof exp !== 'number') return null;
    if (typeof role !== 'string' || !roles.has(role)) return null;
    return { accountId: sub, creatorId: cid, role: role as TStaffRole, expiresAt: exp * 1000 };
  } catch {
    return null;
  }
};
