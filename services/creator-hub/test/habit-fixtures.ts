import { createMemberTokenIssuer } from '@companero/auth/member-token-issuer';
import { addDays, localDateAt } from '@companero/contracts/creator-hub/habit-streaks';
import { withTenant } from '@companero/db/tenant';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { type Body, expectStatus, seedMember } from './hub-fixtures';

/**
 * Members signed in the way the channels sign them in (the auth service's member token issuer), and habit
 * history written straight into the tables for what the API only accepts for the last 7 days.
 */

export const memberTokens = (server: TestServer) => {
  const issuer = createMemberTokenIssuer(server.runtime);
  return {
    async signIn(creatorId: string, memberId: string): Promise<string> {
      const tokens = await issuer.issue(creatorId, memberId, { ip: '127.0.0.1', userAgent: 'habits-test' });
      return tokens.accessToken;
    },
    stop: () => issuer.stop(),
  };
};

export type HabitMember = { id: string; token: string; timezone: string };

/** A member of `creatorId` with a time zone, signed in. */
export const habitMember = async (
  server: TestServer,
  tokens: ReturnType<typeof memberTokens>,
  creatorId: string,
  spec: { name: string; timezone?: string },
): Promise<HabitMember> => {
  const timezone = spec.timezone ?? 'Europe/Madrid';
  const member = await seedMember(server, creatorId, {
    name: spec.name,
    email: `${spec.name.toLowerCase().replace(/\W+/g, '.')}.${Math.random().toString(36).slice(2, 8)}@example.com`,
    timezone,
  });
  return { id: member.id, token: await tokens.signIn(creatorId, member.id), timezone };
};

/** The member's date today, and `days` ago. */
export const localDay = (timezone: string, daysAgo = 0) =>
  addDays(localDateAt(new Date(), timezone), -daysAgo);

export const createHabit = async (http: HttpClient, token: string, body: Record<string, unknown>) =>
  expectStatus(await http.post<Body>('/api/hub/habits', body, { token }), 201).body;

export const adopt = async (http: HttpClient, member: HabitMember, habitId: string) =>
  expectStatus(await http.post<Body>('/api/me/habits', { habitId }, { token: member.token }), 201).body;

/** Moves an adoption's start back (the API adopts today). */
export const backdateAdoption = (
  server: TestServer,
  creatorId: string,
  memberHabitId: string,
  startedOn: string,
) =>
  withTenant(server.runtime.db, creatorId, (tx) =>
    tx.query('update member_habits set started_on = $2::date where id = $1', [memberHabitId, startedOn]),
  );

/** Writes check-ins directly (history older than the API's 7-day backfill); the insert trigger keeps the rollups. */
export const seedCheckIns = (
  server: TestServer,
  creatorId: string,
  memberHabitId: string,
  checkIns: { date: string; status?: 'done' | 'skipped' }[],
) =>
  withTenant(server.runtime.db, creatorId, async (tx) => {
    for (const checkIn of checkIns) {
      await tx.query(
        `insert into habit_checkins (creator_id, member_habit_id, occurred_on, status, source)
         values ($1, $2, $3::date, $4, 'api')`,
        [creatorId, memberHabitId, checkIn.date, checkIn.status ?? 'done'],
      );
    }
  });
