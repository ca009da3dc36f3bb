import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createFakeApi, reply } from './fake-api';
import { settings } from './hub-fixtures';
import { accountId, meResponse, renderApp } from './test-session';

const teammate = (id: string, name: string, role: string) => ({
  accountId: id,
  email: `${name.toLowerCase()}@example.com`,
  name,
  role,
  joinedAt: '2025-02-01T00:00:00.000Z',
});
const owner = teammate(accountId, 'Ana', 'owner');
const editor = teammate('55555555-5555-4555-8555-555555555555', 'Eli', 'editor');
const viewerSelf = teammate(accountId, 'Vera', 'viewer');

describe('the team page', () => {
  it('invites a teammate by email and role, and says whether they were added or emailed', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/auth/team': () => reply.json({ items: [owner, editor], invitations: [] }),
      'POST /api/auth/team': () =>
        reply.json(
          {
            status: 'invited',
            teammate: null,
            invitation: {
              id: '66666666-6666-4666-8666-666666666666',
              email: 'new@example.com',
              role: 'viewer',
              expiresAt: '2025-04-01T00:00:00.000Z',
              createdAt: '2025-03-25T00:00:00.000Z',
            },
          },
          201,
        ),
    });
    renderApp({ path: '/team', api });
    await screen.findByText('eli@example.com');
    await user.type(screen.getByLabelText('Email'), 'new@example.com');
    await user.selectOptions(screen.getByLabelText('Role'), 'viewer');
    await user.click(screen.getByRole('button', { name: 'Send invitation' }));
    expect(
      await screen.findByText('Invitation emailed to new@example.com. It is valid for 7 days.'),
    ).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/auth/team')[0]?.body).toEqual({
      email: 'new@example.com',
      role: 'viewer',
    });
  });

  it('changes a role and removes a teammate after confirming', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/auth/team': () => reply.json({ items: [owner, editor], invitations: [] }),
      'PATCH /api/auth/team/:id': () => reply.json({ ...editor, role: 'admin' }),
      'DELETE /api/auth/team/:id': () => reply.noContent(),
    });
    renderApp({ path: '/team', api });
    await user.selectOptions(await screen.findByLabelText('Role of Eli'), 'admin');
    expect(await screen.findByText('Eli is now admin.')).toBeInTheDocument();
    expect(api.callsTo('PATCH', `/api/auth/team/${editor.accountId}`)[0]?.body).toEqual({ role: 'admin' });

    await user.click(screen.getByRole('button', { name: 'Remove Eli' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove Eli?' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText('Eli was removed from the team.')).toBeInTheDocument();
    expect(api.callsTo('DELETE', `/api/auth/team/${editor.accountId}`)).toHaveLength(1);
  });

  it('disables every team action a viewer may not use, except leaving', async () => {
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse('viewer')),
      'GET /api/auth/team': () => reply.json({ items: [viewerSelf, editor], invitations: [] }),
    });
    renderApp({ path: '/team', api, role: 'viewer' });
    await screen.findByText('eli@example.com');
    expect(screen.getByLabelText('Email')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Send invitation' })).toBeDisabled();
    expect(screen.getByLabelText('Role of Eli')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Remove Eli' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Leave the team' })).toBeEnabled();
  });

  it('shows the server’s refusal in words when an action is forbidden anyway', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse('admin')),
      'GET /api/auth/team': () =>
        reply.json({ items: [teammate(accountId, 'Ada', 'admin'), editor], invitations: [] }),
      'POST /api/auth/team': () =>
        reply.problem(403, 'Only an owner can grant, change or remove the owner role.'),
    });
    renderApp({ path: '/team', api, role: 'admin' });
    await user.type(await screen.findByLabelText('Email'), 'boss@example.com');
    await user.click(screen.getByRole('button', { name: 'Send invitation' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Only an owner can grant, change or remove the owner role.',
    );
  });
});

describe('the audit log', () => {
  it('lists who did what, in words, and filters by action', async () => {
    const user = userEvent.setup();
    const entry = (id: string, action: string, email: string) => ({
      id,
      actor: { type: 'account', id: accountId, email },
      action,
      targetType: 'account',
      targetId: null,
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36',
      requestId: null,
      metadata: action === 'team.role_changed' ? { from: 'viewer', to: 'editor' } : {},
      createdAt: '2025-03-20T10:00:00.000Z',
    });
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/auth/audit': (request) =>
        reply.json({
          items:
            request.query.get('action') === 'auth.login'
              ? [entry('77777777-7777-4777-8777-000000000002', 'auth.login', 'ana@example.com')]
              : [
                  entry('77777777-7777-4777-8777-000000000001', 'team.role_changed', 'ana@example.com'),
                  entry('77777777-7777-4777-8777-000000000002', 'auth.login', 'ana@example.com'),
                ],
          nextCursor: null,
        }),
    });
    renderApp({ path: '/audit', api });
    const table = await screen.findByRole('table', { name: 'Audit log, newest first' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('ana@example.com');
    expect(rows[0]).toHaveTextContent('Changed a teammate’s role');
    expect(rows[0]).toHaveTextContent('viewer → editor');
    expect(rows[0]).toHaveTextContent('Chrome on Linux');
    expect(rows[1]).toHaveTextContent('Signed in');
    await user.selectOptions(screen.getByLabelText('Show'), 'auth.login');
    await waitFor(() =>
      expect(
        within(screen.getByRole('table', { name: 'Audit log, newest first' })).getAllByRole('row'),
      ).toHaveLength(2),
    );
    expect(api.callsTo('GET', '/api/auth/audit').at(-1)?.query.get('action')).toBe('auth.login');
  });

  it('is not in a viewer’s navigation, and the page says who may read it', async () => {
    const api = createFakeApi({ 'GET /api/auth/me': () => reply.json(meResponse('viewer')) });
    renderApp({ path: '/audit', api, role: 'viewer' });
    expect(await screen.findByRole('heading', { name: 'The audit log is for admins' })).toBeInTheDocument();
    const navigation = screen.getByRole('navigation', { name: 'Main' });
    expect(within(navigation).queryByRole('link', { name: 'Audit log' })).not.toBeInTheDocument();
    expect(
      within(navigation)
        .getAllByRole('link')
        .map((link) => link.textContent),
    ).toEqual(['Analytics', 'Members', 'Knowledge', 'Coach', 'Programs', 'Channels', 'Team', 'Settings']);
    expect(api.callsTo('GET', '/api/auth/audit')).toHaveLength(0);
  });
});

describe('the settings page', () => {
  it('checks the slug before saving and sends only what changed', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/hub/settings': () => reply.json(settings),
      'PATCH /api/hub/settings': (request) => reply.json({ ...settings, ...(request.body as object) }),
    });
    renderApp({ path: '/settings', api });
    const slug = await screen.findByLabelText('Slug');
    await user.clear(slug);
    await user.type(slug, 'Ana Runs!');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(slug).toHaveAccessibleDescription(
      expect.stringContaining('Use lower-case letters, digits and dashes'),
    );
    expect(api.callsTo('PATCH', '/api/hub/settings')).toHaveLength(0);

    await user.clear(slug);
    await user.type(slug, 'ana-runs-club');
    await user.selectOptions(screen.getByLabelText('Time zone'), 'America/Mexico_City');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Settings saved.')).toBeInTheDocument();
    expect(api.callsTo('PATCH', '/api/hub/settings')[0]?.body).toEqual({
      slug: 'ana-runs-club',
      timezone: 'America/Mexico_City',
    });
  });

  it('shows a viewer the settings with every field and Save disabled', async () => {
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse('viewer')),
      'GET /api/hub/settings': () => reply.json(settings),
    });
    renderApp({ path: '/settings', api, role: 'viewer' });
    expect(await screen.findByLabelText('Name')).toBeDisabled();
    expect(screen.getByLabelText('Slug')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Save changes' })).toBeDisabled();
  });

  it('shows a conflict from the server next to the slug', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/hub/settings': () => reply.json(settings),
      'PATCH /api/hub/settings': () =>
        reply.problem(409, 'That slug is taken.', {
          errors: [{ path: 'body.slug', message: 'Already in use' }],
        }),
    });
    renderApp({ path: '/settings', api });
    const slug = await screen.findByLabelText('Slug');
    await user.clear(slug);
    await user.type(slug, 'taken');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('That slug is taken.');
    expect(slug).toHaveAccessibleDescription(expect.stringContaining('Already in use'));
  });
});
