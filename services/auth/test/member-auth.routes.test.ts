import { backends } from '@companero/testing/backends';
import { createHttpClient, type HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  claimsOf,
  expectStatus,
  type RegisteredAccount,
  registerAccount,
  uniqueEmail,
} from './auth-fixtures';
import { type MailingAuthServer, startAuthServer, startAuthServerWithMail } from './auth-test-server';
import { codeFromMail } from './mail-catcher';

describe.each(backends())('member sign-in with a one-time code on $name', (backend) => {
  let running: MailingAuthServer;
  let http: HttpClient;
  let creator: RegisteredAccount;

  const requestCode = (email: string, creatorSlug = creator.creatorSlug) =>
    http.post<Body>('/api/auth/members/code', { creatorSlug, email });
  const verify = (email: string, code: string, creatorSlug = creator.creatorSlug) =>
    http.post<Body>('/api/auth/members/verify', { creatorSlug, email, code });
  /** Requests a code and reads it from the mail the member receives. */
  const mailedCode = async (email: string, creatorSlug = creator.creatorSlug) => {
    expectStatus(await requestCode(email, creatorSlug), 202);
    return codeFromMail(await running.mail.nextMailTo(email));
  };
  const wrongCodeFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  beforeAll(async () => {
    running = await startAuthServerWithMail(backend, { MEMBER_CODE_TTL_SECONDS: '300' });
    http = running.http;
    creator = await registerAccount(http, { label: 'creator', creatorName: 'Marta Yoga' });
  });
  afterAll(async () => running?.close());

  describe('POST /api/auth/members/code', () => {
    it('answers 202 and mails a six-digit code', async () => {
      const email = uniqueEmail('member');
      const response = await requestCode(email);
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ status: 'sent', expiresIn: 300 });
      const mail = await running.mail.nextMailTo(email);
      const code = codeFromMail(mail);
      expect(code).toMatch(/^\d{6}$/);
      expect(mail.subject).toBe(`Your Marta Yoga sign-in code: ${code}`);
      expect(mail.text).toContain('expires in 5 minutes');
    });

    it('answers 404 for an unknown creator and mails nothing', async () => {
      const email = uniqueEmail('lost');
      const response = await requestCode(email, 'no-such-creator');
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const verifyUnknown = await verify(email, '123456', 'no-such-creator');
      expect(verifyUnknown.status).toBe(404);
      expect(running.mail.countTo(email)).toBe(0);
    });
  });

  describe('POST /api/auth/members/verify', () => {
    it('answers 401 INVALID_CODE for a wrong code', async () => {
      const email = uniqueEmail('wrong');
      const code = await mailedCode(email);
      const response = await verify(email, wrongCodeFor(code));
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_CODE');
    });

    it('refuses the right code after five wrong ones', async () => {
      const email = uniqueEmail('guesser');
      const code = await mailedCode(email);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        expect((await verify(email, wrongCodeFor(code))).status).toBe(401);
      }
      const response = await verify(email, code);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_CODE');
    });

    it('answers 401 without a code requested', async () => {
      const response = await verify(uniqueEmail('never-asked'), '123456');
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_CODE');
    });

    it('exchanges the right code for member tokens, once', async () => {
      const email = uniqueEmail('signed-in');
      const code = await mailedCode(email);
      const response = await verify(email, code);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: 900,
        member: { id: expect.any(String), email, name: null, creatorId: creator.creatorId },
      });
      expect(claimsOf(response.body.accessToken)).toMatchObject({
        typ: 'member',
        role: 'member',
        sub: response.body.member.id,
        cid: creator.creatorId,
      });
      const reused = await verify(email, code);
      expect(reused.status).toBe(401);
    });

    it('reuses the member on a second sign-in, whatever the case of the email', async () => {
      const email = uniqueEmail('returning');
      const first = expectStatus(await verify(email, await mailedCode(email)), 200).body;
      const second = expectStatus(
        await verify(email.toUpperCase(), await mailedCode(email.toUpperCase())),
        200,
      ).body;
      expect(second.member.id).toBe(first.member.id);
      const [row] = (
        await running.server.runtime.database.query<Body>(
          'select count(*)::int as count from members where lower(email) = $1',
          [email],
        )
      ).rows;
      expect(row!.count).toBe(1);
    });

    it('accepts only the latest code when several were requested', async () => {
      const email = uniqueEmail('impatient');
      const first = await mailedCode(email);
      const second = await mailedCode(email);
      if (first !== second) expect((await verify(email, first)).status).toBe(401);
      expect((await verify(email, second)).status).toBe(200);
    });

    it('does not accept a code of one creator at another', async () => {
      const other = await registerAccount(http, { label: 'other' });
      const email = uniqueEmail('wanderer');
      const code = await mailedCode(email);
      const response = await verify(email, code, other.creatorSlug);
      expect(response.status).toBe(401);
      expect((await verify(email, code)).status).toBe(200);
    });

    it('answers 401 for an expired code', async () => {
      const email = uniqueEmail('slow');
      const code = await mailedCode(email);
      await running.server.runtime.database.query(
        `update member_login_codes set expires_at = now() - interval '1 second' where email = $1`,
        [email],
      );
      expect((await verify(email, code)).status).toBe(401);
    });
  });

  describe('member tokens', () => {
    it('are refused with 403 on staff endpoints', async () => {
      const email = uniqueEmail('curious');
      const tokens = expectStatus(await verify(email, await mailedCode(email)), 200).body;
      for (const path of ['/api/auth/me', '/api/auth/team', '/api/auth/audit', '/api/auth/me/export']) {
        const response = await http.get<Body>(path, { token: tokens.accessToken });
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('FORBIDDEN');
      }
      const switched = await http.post(
        '/api/auth/switch',
        { creatorId: creator.creatorId },
        {
          token: tokens.accessToken,
        },
      );
      expect(switched.status).toBe(403);
    });

    it('refresh as member tokens and sign out with logout', async () => {
      const email = uniqueEmail('app-user');
      const tokens = expectStatus(await verify(email, await mailedCode(email)), 200).body;
      const refreshed = await http.post<Body>('/api/auth/refresh', { refreshToken: tokens.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(claimsOf(refreshed.body.accessToken)).toMatchObject({ typ: 'member', sub: tokens.member.id });
      const logout = await http.post(
        '/api/auth/logout',
        { refreshToken: refreshed.body.refreshToken },
        {
          token: refreshed.body.accessToken,
        },
      );
      expect(logout.status).toBe(204);
      expect(
        (await http.post('/api/auth/refresh', { refreshToken: refreshed.body.refreshToken })).status,
      ).toBe(401);
    });

    it('stop refreshing once the member is deleted', async () => {
      const email = uniqueEmail('gone');
      const tokens = expectStatus(await verify(email, await mailedCode(email)), 200).body;
      // members are erased by the creator hub; here the row goes directly, with its sessions cascading
      await running.server.runtime.database.query('delete from members where id = $1', [tokens.member.id]);
      expect((await http.post('/api/auth/refresh', { refreshToken: tokens.refreshToken })).status).toBe(401);
    });
  });
});

describe.each(backends())('member sign-in without a mail server on $name', (backend) => {
  let server: TestServer;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startAuthServer(backend);
    http = createHttpClient(server.baseUrl);
  });
  afterAll(async () => server?.close());

  it('still answers 202 (the code goes to the server log) and stores a code that a wrong guess cannot use', async () => {
    const creator = await registerAccount(http, { label: 'offline' });
    const email = uniqueEmail('offline-member');
    const response = await http.post<Body>('/api/auth/members/code', {
      creatorSlug: creator.creatorSlug,
      email,
    });
    expect(response.status).toBe(202);
    const [row] = (
      await server.runtime.database.query<Body>(
        'select count(*)::int as count from member_login_codes where email = $1',
        [email],
      )
    ).rows;
    expect(row!.count).toBe(1);
    const guess = await http.post<Body>('/api/auth/members/verify', {
      creatorSlug: creator.creatorSlug,
      email,
      code: '000000',
    });
    expect(guess.status).toBe(401);
  });
});
