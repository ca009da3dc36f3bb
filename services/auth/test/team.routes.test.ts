import type { TStaffRole } from '@companero/contracts/auth/session';
import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  expectStatus,
  joinTeam,
  login,
  type RegisteredAccount,
  registerAccount,
  type Session,
  uniqueEmail,
} from './auth-fixtures';
import { type MailingAuthServer, startAuthServerWithMail } from './auth-test-server';

describe.each(backends())('team RBAC on $name', (backend) => {
  let running: MailingAuthServer;
  let http: HttpClient;
  let owner: RegisteredAccount;
  const sessions = {} as Record<Exclude<TStaffRole, 'owner'>, Session & { account: RegisteredAccount }>;

  const teamRoles = async () => {
    const team = expectStatus(await http.get<Body>('/api/auth/team', { token: owner.accessToken }), 200);
    return Object.fromEntries(team.body.items.map((row: Body) => [row.accountId, row.role])) as Record<
      string,
      TStaffRole
    >;
  };

  /** A fresh teammate of the owner's creator with `role`, for a test that changes or removes it. */
  const newTeammate = async (role: TStaffRole, label: string = role) => {
    const account = await registerAccount(http, { label });
    const session = await joinTeam(http, {
      ownerToken: owner.accessToken,
      creatorId: owner.creatorId,
      account,
      role,
    });
    return { ...session, account };
  };

  beforeAll(async () => {
    running = await startAuthServerWithMail(backend);
    http = running.http;
    owner = await registerAccount(http, { label: 'owner' });
    for (const role of ['admin', 'editor', 'viewer'] as const) sessions[role] = await newTeammate(role);
  });
  afterAll(async () => running?.close());

  describe('GET /api/auth/team', () => {
    it.each(['viewer', 'editor', 'admin'] as const)('lets a %s read the team', async (role) => {
      const response = await http.get<Body>('/api/auth/team', { token: sessions[role].accessToken });
      expect(response.status).toBe(200);
      const byAccount = new Map(response.body.items.map((row: Body) => [row.accountId, row]));
      expect(byAccount.get(owner.accountId)).toMatchObject({
        email: owner.email,
        name: owner.name,
        role: 'owner',
      });
      expect(byAccount.get(sessions.viewer.account.accountId)).toMatchObject({ role: 'viewer' });
      expect(response.body.invitations).toEqual(expect.any(Array));
    });

    it('answers 401 without a token', async () => {
      expect((await http.get('/api/auth/team')).status).toBe(401);
    });
  });

  describe.each(['viewer', 'editor'] as const)('a %s', (role) => {
    it('gets 403 inviting, and nobody is added or mailed', async () => {
      const email = uniqueEmail(`invited-by-${role}`);
      const response = await http.post<Body>(
        '/api/auth/team',
        { email, role: 'viewer' },
        {
          token: sessions[role].accessToken,
        },
      );
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
      const team = await http.get<Body>('/api/auth/team', { token: owner.accessToken });
      expect(team.body.invitations.map((row: Body) => row.email)).not.toContain(email);
      expect(running.mail.countTo(email)).toBe(0);
    });

    it('gets 403 changing or removing someone else, and nothing changes', async () => {
      const target = role === 'viewer' ? sessions.editor.account : sessions.viewer.account;
      const before = await teamRoles();
      const patch = await http.patch<Body>(
        `/api/auth/team/${target.accountId}`,
        { role: 'admin' },
        {
          token: sessions[role].accessToken,
        },
      );
      expect(patch.status).toBe(403);
      const remove = await http.delete<Body>(`/api/auth/team/${target.accountId}`, undefined, {
        token: sessions[role].accessToken,
      });
      expect(remove.status).toBe(403);
      expect(remove.body.code).toBe('FORBIDDEN');
      expect(await teamRoles()).toEqual(before);
    });
  });

  describe('an admin', () => {
    it('invites, re-roles and removes editors and viewers', async () => {
      const admin = sessions.admin.accessToken;
      const invitee = await registerAccount(http, { label: 'invitee' });
      const added = await http.post<Body>(
        '/api/auth/team',
        { email: invitee.email, role: 'viewer' },
        { token: admin },
      );
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({
        status: 'added',
        invitation: null,
        teammate: { accountId: invitee.accountId, email: invitee.email, role: 'viewer' },
      });
      const promoted = await http.patch<Body>(
        `/api/auth/team/${invitee.accountId}`,
        { role: 'editor' },
        {
          token: admin,
        },
      );
      expect(promoted.status).toBe(200);
      expect(promoted.body).toMatchObject({
        accountId: invitee.accountId,
        role: 'editor',
        joinedAt: expect.any(String),
      });
      expect((await teamRoles())[invitee.accountId]).toBe('editor');
      const removed = await http.delete(`/api/auth/team/${invitee.accountId}`, undefined, { token: admin });
      expect(removed.status).toBe(204);
      expect((await teamRoles())[invitee.accountId]).toBeUndefined();
    });

    it('gets 403 granting the owner role, by invitation or by change', async () => {
      const admin = sessions.admin.accessToken;
      const invitee = await registerAccount(http, { label: 'would-be-owner' });
      const invite = await http.post<Body>(
        '/api/auth/team',
        { email: invitee.email, role: 'owner' },
        { token: admin },
      );
      expect(invite.status).toBe(403);
      const target = await newTeammate('editor', 'promoted-editor');
      const patch = await http.patch<Body>(
        `/api/auth/team/${target.account.accountId}`,
        { role: 'owner' },
        {
          token: admin,
        },
      );
      expect(patch.status).toBe(403);
      const roles = await teamRoles();
      expect(roles[target.account.accountId]).toBe('editor');
      expect(roles[invitee.accountId]).toBeUndefined();
    });

    it('gets 403 changing or removing an owner', async () => {
      const admin = sessions.admin.accessToken;
      const patch = await http.patch<Body>(
        `/api/auth/team/${owner.accountId}`,
        { role: 'viewer' },
        { token: admin },
      );
      expect(patch.status).toBe(403);
      const remove = await http.delete<Body>(`/api/auth/team/${owner.accountId}`, undefined, {
        token: admin,
      });
      expect(remove.status).toBe(403);
      expect((await teamRoles())[owner.accountId]).toBe('owner');
    });

    it('answers 409 adding someone who is already on the team', async () => {
      const response = await http.post<Body>(
        '/api/auth/team',
        {
          email: sessions.viewer.account.email,
          role: 'editor',
        },
        { token: sessions.admin.accessToken },
      );
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('CONFLICT');
      expect((await teamRoles())[sessions.viewer.account.accountId]).toBe('viewer');
    });

    it('answers 404 for an account that is not on the team', async () => {
      const outsider = await registerAccount(http, { label: 'outsider' });
      const patch = await http.patch<Body>(
        `/api/auth/team/${outsider.accountId}`,
        { role: 'viewer' },
        {
          token: sessions.admin.accessToken,
        },
      );
      expect(patch.status).toBe(404);
      expect(patch.body.code).toBe('NOT_FOUND');
      const remove = await http.delete(`/api/auth/team/${outsider.accountId}`, undefined, {
        token: sessions.admin.accessToken,
      });
      expect(remove.status).toBe(404);
    });
  });

  describe('an owner', () => {
    it('grants and takes back ownership, and removes an owner', async () => {
      const target = await newTeammate('admin', 'co-owner');
      const granted = await http.patch<Body>(
        `/api/auth/team/${target.account.accountId}`,
        { role: 'owner' },
        {
          token: owner.accessToken,
        },
      );
      expect(granted.status).toBe(200);
      expect(granted.body.role).toBe('owner');
      const demoted = await http.patch<Body>(
        `/api/auth/team/${target.account.accountId}`,
        { role: 'viewer' },
        {
          token: owner.accessToken,
        },
      );
      expect(demoted.status).toBe(200);
      expect(demoted.body.role).toBe('viewer');
      const second = await newTeammate('owner', 'second-owner');
      expect((await teamRoles())[second.account.accountId]).toBe('owner');
      const removed = await http.delete(`/api/auth/team/${second.account.accountId}`, undefined, {
        token: owner.accessToken,
      });
      expect(removed.status).toBe(204);
      expect((await teamRoles())[second.account.accountId]).toBeUndefined();
    });

    it('cannot demote or remove the last owner (409 LAST_OWNER)', async () => {
      const demote = await http.patch<Body>(
        `/api/auth/team/${owner.accountId}`,
        { role: 'admin' },
        {
          token: owner.accessToken,
        },
      );
      expect(demote.status).toBe(409);
      expect(demote.body.code).toBe('LAST_OWNER');
      const leave = await http.delete<Body>(`/api/auth/team/${owner.accountId}`, undefined, {
        token: owner.accessToken,
      });
      expect(leave.status).toBe(409);
      expect(leave.body.code).toBe('LAST_OWNER');
      expect((await teamRoles())[owner.accountId]).toBe('owner');
    });

    it('keeps an owner when the role stays owner', async () => {
      const response = await http.patch<Body>(
        `/api/auth/team/${owner.accountId}`,
        { role: 'owner' },
        {
          token: owner.accessToken,
        },
      );
      expect(response.status).toBe(200);
      expect(response.body.role).toBe('owner');
    });
  });

  describe('leaving', () => {
    it.each(['viewer', 'editor', 'admin'] as const)(
      'lets a %s leave, ending its sessions here',
      async (role) => {
        const leaver = await newTeammate(role, `leaving-${role}`);
        const response = await http.delete(`/api/auth/team/${leaver.account.accountId}`, undefined, {
          token: leaver.accessToken,
        });
        expect(response.status).toBe(204);
        expect((await teamRoles())[leaver.account.accountId]).toBeUndefined();
        const refresh = await http.post<Body>('/api/auth/refresh', { refreshToken: leaver.refreshToken });
        expect(refresh.status).toBe(401);
        const relogin = await http.post<Body>('/api/auth/login', {
          email: leaver.account.email,
          password: leaver.account.password,
          creatorId: owner.creatorId,
        });
        expect(relogin.status).toBe(403);
      },
    );

    it('lets an owner leave while another owner stays', async () => {
      const coOwner = await newTeammate('owner', 'leaving-owner');
      const response = await http.delete(`/api/auth/team/${coOwner.account.accountId}`, undefined, {
        token: coOwner.accessToken,
      });
      expect(response.status).toBe(204);
      expect((await teamRoles())[owner.accountId]).toBe('owner');
    });
  });

  describe('tenancy', () => {
    it('answers 404 when a token of creator A names a teammate of creator B', async () => {
      const otherOwner = await registerAccount(http, { label: 'b-owner' });
      const otherTeammate = await registerAccount(http, { label: 'b-teammate' });
      await joinTeam(http, {
        ownerToken: otherOwner.accessToken,
        creatorId: otherOwner.creatorId,
        account: otherTeammate,
        role: 'editor',
      });
      for (const target of [otherOwner, otherTeammate]) {
        const patch = await http.patch<Body>(
          `/api/auth/team/${target.accountId}`,
          { role: 'viewer' },
          {
            token: owner.accessToken,
          },
        );
        expect(patch.status).toBe(404);
        expect(patch.body.code).toBe('NOT_FOUND');
        const remove = await http.delete(`/api/auth/team/${target.accountId}`, undefined, {
          token: owner.accessToken,
        });
        expect(remove.status).toBe(404);
      }
      const otherTeam = await http.get<Body>('/api/auth/team', { token: otherOwner.accessToken });
      expect(Object.fromEntries(otherTeam.body.items.map((row: Body) => [row.accountId, row.role]))).toEqual({
        [otherOwner.accountId]: 'owner',
        [otherTeammate.accountId]: 'editor',
      });
      const ownTeam = await http.get<Body>('/api/auth/team', { token: owner.accessToken });
      expect(ownTeam.body.items.map((row: Body) => row.accountId)).not.toContain(otherTeammate.accountId);
    });

    it('keeps a teammate signed in to other creators after removal from one', async () => {
      const removed = await newTeammate('editor', 'multi-team');
      expectStatus(
        await http.delete(`/api/auth/team/${removed.account.accountId}`, undefined, {
          token: owner.accessToken,
        }),
        204,
      );
      const ownCreator = await login(http, {
        email: removed.account.email,
        password: removed.account.password,
      });
      expect(ownCreator.memberships).toEqual([
        expect.objectContaining({ creatorId: removed.account.creatorId }),
      ]);
    });
  });
});
