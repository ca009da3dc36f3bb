import { randomUUID } from 'node:crypto';
import type { HttpClient, JsonResponse } from './http-client';

/**
 * Staff accounts for route tests, made through the public endpoints: a creator's owner, and teammates of any
 * role signed in to that creator.
 */

// A passphrase zxcvbn scores as strong; every account in these tests uses it.
export const strongPassword = 'plum orbit canyon lantern 58';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in test setup
export type Body = Record<string, any>;

export const uniqueEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

/** Throws with the response body when the status is not the expected one, so a failing setup says why. */
export const expectStatus = <T>(response: JsonResponse<T>, status: number): JsonResponse<T> => {
  if (response.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response;
};

export type Creator = {
  accountId: string;
  email: string;
  creatorId: string;
  slug: string;
  token: string;
};

/** Registers an account that owns a new creator, through the public endpoint. */
export const registerCreator = async (http: HttpClient, label: string): Promise<Creator> => {
  const email = uniqueEmail(label);
  const response = expectStatus(
    await http.post<Body>('/api/auth/register', {
      email,
      password: strongPassword,
      name: `${label} person`,
      creatorName: `${label} ${randomUUID().slice(0, 6)} coaching`,
    }),
    201,
  );
  return {
    accountId: response.body.account.id,
    email,
    creatorId: response.body.creator.id,
    slug: response.body.creator.slug,
    token: response.body.accessToken,
  };
};

/**
 * A teammate of `owner` with `role`: a separately registered account added through POST /api/auth/team,
 * then signed in to the owner's creator. Returns its access token for that creator.
 */
export const teammateToken = async (
  http: HttpClient,
  owner: Creator,
  role: 'admin' | 'editor' | 'viewer',
): Promise<string> => {
  const account = await registerCreator(http, role);
  const added = expectStatus(
    await http.post<Body>('/api/auth/team', { email: account.email, role }, { token: owner.token }),
    201,
  );
  if (added.body.status !== 'added') throw new Error(`expected "added", got ${added.body.status}`);
  const login = expectStatus(
    await http.post<Body>('/api/auth/login', {
      email: account.email,
      password: strongPassword,
      creatorId: owner.creatorId,
    }),
    200,
  );
  return login.body.accessToken;
};
