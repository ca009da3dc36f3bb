import { type Body, expectStatus } from '@companero/testing/creator-fixtures';
import type { HttpClient } from '@companero/testing/http-client';

/** POST /api/hub/programs, then publish it: the program as the API answers it. */
export const publishProgram = async (
  http: HttpClient,
  token: string,
  input: { name: string; graph: unknown },
): Promise<Body> => {
  const program = expectStatus(await http.post<Body>('/api/hub/programs', input, { token }), 201).body;
  expectStatus(await http.post<Body>(`/api/hub/programs/${program.id}/publish`, {}, { token }), 201);
  return program;
};

/** POST /api/hub/programs/{id}/enrollments: `{enrolled, alreadyEnrolled, notFound}`. */
export const enrollMembers = async (
  http: HttpClient,
  token: string,
  programId: string,
  memberIds: string[],
): Promise<Body> =>
  expectStatus(
    await http.post<Body>(`/api/hub/programs/${programId}/enrollments`, { memberIds }, { token }),
    200,
  ).body;
