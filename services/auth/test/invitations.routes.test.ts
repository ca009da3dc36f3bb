import { createHash, randomBytes } from 'node:crypto';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  claimsOf,
  expectStatus,
  login,
  type RegisteredAccount,
  registerAccount,
  strongPassword,
  uniqueEmail,
} from './auth-fixtures';
import { type MailingAuthServer, startAuthServerWithMail } from './auth-test-server';
import { invitationTokenFromMail } from './mail-catcher';

describe.each(backends())('team invitations on $name', (backend) => {
  let running: MailingAuthServer;
  let http: HttpClient;
  let owner: RegisteredAccount;

  /** Invites an email that has no account yet and returns the token from the mail it receives. */
  const inviteByMail = async (email: string, role: 'admin' | 'editor' | 'viewer' = 'editor') => {
    const response = expectStatus(
      await http.post<Body>('/api/auth/team', { email, role }, { token: owner.accessToken }),
      201,
    );
    const mail = await running.mail.nextMailTo(email);
    return { response, mail, token: invitationTokenFromMail(mail) };
  };

  const accept = (body: Record<string, unknown>) => http.post<Body>('/api/auth/invitations/accept', body);

  beforeAll(async () => {
    running = await startAuthServerWithMail(backend);
    http = running.http;
    owner = await registerAccount(http, { label: 'owner', creatorName: 'Lola Fitness' });
  });
  afterAll(async () => running?.close());

  it('mails an invitation to a new email and lists it as pending', async () => {
    const email = uniqueEmail('new-editor');
    const { response, mail } = await inviteByMail(email, 'editor');
    expect(response.body).toMatchObject({
      status: 'invited',
      teammate: null,
      invitation: { id: expect.any(String), email, role: 'editor', expiresAt: expect.any(String) },
    });
    expect(mail.subject).toBe('You are invited to join Lola Fitness on Compañero');
    expect(mail.from).toBe('no-reply@localhost');
    expect(mail.text).toContain('as editor');
    expect(mail.text).toContain(`${running.server.config.PUBLIC_URL}/accept-invitation?token=`);
    const team = await http.get<Body>('/api/auth/team', { token: owner.accessToken });
    expect(team.body.invitations).toEqual([expect.objectContaining({ email, role: 'editor' })]);
  });

  it('creates the account with the invited role when a new person accepts with name and password', async () => {
    const email = uniqueEmail('new-viewer');
    const { token } = await inviteByMail(email, 'viewer');
    const response = await accept({ token, name: 'Vera Viewer', password: strongPassword });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ creatorId: owner.creatorId, role: 'viewer', tokenType: 'Bearer' });
    expect(claimsOf(response.body.accessToken)).toMatchObject({
      cid: owner.creatorId,
      role: 'viewer',
      typ: 'staff',
    });

    const me = expectStatus(await http.get<Body>('/api/auth/me', { token: response.body.accessToken }), 200);
    expect(me.body.account).toMatchObject({ email, name: 'Vera Viewer' });
    expect(me.body.memberships).toEqual([
      expect.objectContaining({ creatorId: owner.creatorId, role: 'viewer' }),
    ]);
    const team = await http.get<Body>('/api/auth/team', { token: owner.accessToken });
    expect(team.body.items).toContainEqual(
      expect.objectContaining({ email, name: 'Vera Viewer', role: 'viewer' }),
    );
    expect(team.body.invitations.map((row: Body) => row.email)).not.toContain(email);
    await login(http, { email, password: strongPassword });
  });

  it('answers 401 when an invitation is accepted a second time', async () => {
    const email = uniqueEmail('twice');
    const { token } = await inviteByMail(email);
    expectStatus(await accept({ token, name: 'Tina Twice', password: strongPassword }), 200);
    const again = await accept({ token, name: 'Tina Twice', password: strongPassword });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('INVALID_TOKEN');
  });

  it('requires the password of an account that exists, and adds it with the invited role', async () => {
    const email = uniqueEmail('existing-later');
    const { token } = await inviteByMail(email, 'admin');
    // the person registers on their own before accepting: the token alone must not sign them in
    const person = await registerAccount(http, { email, label: 'existing' });

    const withoutPassword = await accept({ token });
    expect(withoutPassword.status).toBe(422);
    expect(withoutPassword.body.errors).toEqual([{ path: 'body.password', message: 'Required' }]);
    const wrongPassword = await accept({ token, password: 'not the right password' });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body.code).toBe('INVALID_CREDENTIALS');
    const members = await http.get<Body>('/api/auth/team', { token: owner.accessToken });
    expect(members.body.items.map((row: Body) => row.accountId)).not.toContain(person.accountId);

    const accepted = await accept({ token, password: person.password });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ creatorId: owner.creatorId, role: 'admin' });
    expect(claimsOf(accepted.body.accessToken).sub).toBe(person.accountId);
    const me = await http.get<Body>('/api/auth/me', { token: accepted.body.accessToken });
    expect(me.body.account.name).toBe(person.name);
    expect(me.body.memberships.map((row: Body) => row.creatorId).sort()).toEqual(
      [person.creatorId, owner.creatorId].sort(),
    );
  });

  it('answers 422 and creates nothing without a name or with a weak password for a new account', async () => {
    const email = uniqueEmail('incomplete');
    const { token } = await inviteByMail(email);
    const withoutName = await accept({ token, password: strongPassword });
    expect(withoutName.status).toBe(422);
    expect(withoutName.body.errors).toEqual([{ path: 'body.name', message: 'Required' }]);
    const weak = await accept({ token, name: 'Ines', password: 'password' });
    expect(weak.status).toBe(422);
    expect(weak.body.code).toBe('WEAK_PASSWORD');
    expect(weak.body.errors.every((error: Body) => error.path === 'body.password')).toBe(true);
    expect((await http.post('/api/auth/login', { email, password: 'password' })).status).toBe(401);
    // the invitation is still usable
    expectStatus(await accept({ token, name: 'Ines', password: strongPassword }), 200);
  });

  it('replaces a pending invitation when the same email is invited again', async () => {
    const email = uniqueEmail('reinvited');
    const first = await inviteByMail(email, 'viewer');
    const second = await inviteByMail(email, 'editor');
    expect(second.token).not.toBe(first.token);
    const old = await accept({ token: first.token, name: 'Rita', password: strongPassword });
    expect(old.status).toBe(401);
    const accepted = await accept({ token: second.token, name: 'Rita', password: strongPassword });
    expect(accepted.status).toBe(200);
    expect(accepted.body.role).toBe('editor');
  });

  it('answers 401 for an expired invitation', async () => {
    const email = uniqueEmail('expired');
    const { token } = await inviteByMail(email);
    const tokenHash = createHash('sha256').update(token).digest('base64url');
    await running.server.runtime.database.query(
      `update team_invitations set expires_at = now() - interval '1 minute' where token_hash = $1`,
      [tokenHash],
    );
    const response = await accept({ token, name: 'Late', password: strongPassword });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('INVALID_TOKEN');
    const team = await http.get<Body>('/api/auth/team', { token: owner.accessToken });
    expect(team.body.invitations.map((row: Body) => row.email)).not.toContain(email);
  });

  it('answers 401 for tokens that are not invitations', async () => {
    for (const token of [
      'not-an-invitation-token',
      `${owner.creatorId}.${randomBytes(32).toString('base64url')}`,
      `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}.${randomBytes(32).toString('base64url')}`,
    ]) {
      const response = await accept({ token, name: 'Nobody', password: strongPassword });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('INVALID_TOKEN');
    }
  });

  it('does not let an invitation of one creator be used for another', async () => {
    const email = uniqueEmail('cross');
    const { token } = await inviteByMail(email);
    const other = await registerAccount(http, { label: 'other-owner' });
    const secret = token.slice(token.indexOf('.') + 1);
    const response = await accept({
      token: `${other.creatorId}.${secret}`,
      name: 'Cross',
      password: strongPassword,
    });
    expect(response.status).toBe(401);
  });
});
