import { randomUUID } from 'node:crypto';
import type { TStaffRole } from '@companero/contracts/auth/session';
import type { HttpClient, JsonResponse } from '@companero/testing/http-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';

// A passphrase zxcvbn scores as strong; every account in these tests uses it unless a test says otherwise.
export const strongPassword = 'plum orbit canyon lantern 58';

export type Body = Record<string, any>;

export const uniqueEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

/** Throws with the response body when the status is not the expected one, so a failing setup says why. */
export const expectStatus = <T>(response: JsonResponse<T>, status: number): JsonResponse<T> => {
  if (response.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response;
};

export type Session = { accessToken: string; refreshToken: string };

export type RegisteredAccount = Session & {
  email: string;
  password: string;
  name: string;
  accountId: string;
  creatorId: string;
  creatorName: string;
  creatorSlug: string;
};

/** Registers a new account that owns a new creator. */
export const registerAccount = async (
  http: HttpClient,
  options: { label?: string; email?: string; name?: string; creatorName?: string } = {},
): Promise<RegisteredAccount> => {
  const label = options.label ?? 'coach';
  const email = options.email ?? uniqueEmail(label);
  const name = options.name ?? `${label} person`;
  const creatorName = options.creatorName ?? `${label} ${randomUUID().slice(0, 6)} coaching`;
  const response = expectStatus(
    await http.post<Body>('/api/auth/register', { email, password: strongPassword, name, creatorName }),
    201,
  );
  return {
    email,
    password: strongPassword,
    name,
    accountId: response.body.account.id,
    creatorId: response.body.creator.id,
    creatorName: response.body.creator.name,
    creatorSlug: response.body.creator.slug,
    accessToken: response.body.accessToken,
    refreshToken: response.body.refreshToken,
  };
};

export const login = async (
  http: HttpClient,
  credentials: { email: string; password: string; creatorId?: string },
): Promise<Session & Body> =>
  expectStatus(await http.post<Body>('/api/auth/login', credentials), 200).body as Session & Body;

/**
 * Puts an existing account on the owner's team with `role` (POST /team answers "added") and signs it in to
 * that creator.
 */
export const joinTeam = async (
  http: HttpClient,
  options: { ownerToken: string; creatorId: string; account: RegisteredAccount; role: TStaffRole },
): Promise<Session> => {
  const added = expectStatus(
    await http.post<Body>(
      '/api/auth/team',
      { email: options.account.email, role: options.role },
      { token: options.ownerToken },
    ),
    201,
  );
  if (added.body.status !== 'added') throw new Error(`expected "added", got ${added.body.status}`);
  return login(http, {
    email: options.account.email,
    password: options.account.password,
    creatorId: options.creatorId,
  });
};

export const claimsOf = (token: string) => decodeJwt(token) as Body;
export const headerOf = (token: string) => decodeProtectedHeader(token);
