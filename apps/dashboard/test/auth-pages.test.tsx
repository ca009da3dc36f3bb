import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createFakeApi, reply } from './fake-api';
import {
  creatorId,
  meResponse,
  otherCreatorId,
  renderApp,
  storedRefreshToken,
  tokenPair,
} from './test-session';

const teamResponse = { items: [], invitations: [] };

describe('signing in and out', () => {
  it('sends a signed-out visitor to sign in, then back to the page they asked for', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'POST /api/auth/login': (request) =>
        reply.json({ ...tokenPair(), ...meResponse(), echo: request.body }),
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/auth/team': () => reply.json(teamResponse),
    });
    renderApp({ path: '/team', api, role: null });

    expect(await screen.findByRole('heading', { name: 'Sign in to Compañero' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Email'), 'ana@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse battery staple');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Team', level: 1 })).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/auth/login')[0]?.body).toEqual({
      email: 'ana@example.com',
      password: 'correct horse battery staple',
    });
    expect(storedRefreshToken()).toMatch(/refresh-/);
  });

  it('says what is missing before asking the server, and shows the server’s refusal in words', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'POST /api/auth/login': () => reply.problem(401, 'The email or the password is wrong.'),
    });
    renderApp({ path: '/sign-in', api, role: null });
    await user.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
    expect(api.calls).toHaveLength(0);

    await user.type(screen.getByLabelText('Email'), 'ana@example.com');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The email or the password is wrong.');
  });

  it('shows each reason a password was refused next to the password field', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'POST /api/auth/register': () =>
        reply.problem(422, 'Choose a stronger password.', {
          errors: [{ path: 'body.password', message: 'This is a top-100 common password.' }],
        }),
    });
    renderApp({ path: '/sign-up', api, role: null });
    await user.type(await screen.findByLabelText('Your name'), 'Ana García');
    await user.type(screen.getByLabelText('Email'), 'ana@example.com');
    await user.type(screen.getByLabelText('Password'), 'password1');
    await user.type(screen.getByLabelText('Coaching space name'), 'Ana Runs');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    await waitFor(() =>
      expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(
        expect.stringContaining('This is a top-100 common password.'),
      ),
    );
    expect(api.callsTo('POST', '/api/auth/register')[0]?.body).toMatchObject({
      name: 'Ana García',
      email: 'ana@example.com',
      creatorName: 'Ana Runs',
      timezone: expect.any(String),
    });
  });

  it('signs out: ends the server session, forgets the tokens and returns to sign in', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse()),
      'GET /api/auth/team': () => reply.json(teamResponse),
      'POST /api/auth/logout': () => reply.noContent(),
    });
    renderApp({ path: '/team', api });
    const refreshToken = storedRefreshToken();
    await user.click(await screen.findByRole('button', { name: /account menu/ }));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in to Compañero' })).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/auth/logout')[0]?.body).toEqual({ refreshToken });
    expect(storedRefreshToken()).toBeNull();
  });

  it('switches creator with new tokens and ends the previous session', async () => {
    const user = userEvent.setup();
    const switched = tokenPair({ creator: otherCreatorId, role: 'viewer' });
    const api = createFakeApi({
      'GET /api/auth/me': () =>
        reply.json(
          meResponse('owner', [{ creatorId: otherCreatorId, creatorName: 'Bea Yoga', role: 'viewer' }]),
        ),
      'GET /api/auth/team': (request) =>
        reply.json({
          items: [
            {
              accountId: '44444444-4444-4444-8444-444444444444',
              email: request.authorization?.includes(switched.accessToken)
                ? 'bea@example.com'
                : 'ana@example.com',
              name: request.authorization?.includes(switched.accessToken) ? 'Bea' : 'Ana',
              role: 'owner',
              joinedAt: '2025-01-01T00:00:00.000Z',
            },
          ],
          invitations: [],
        }),
      'POST /api/auth/switch': () => reply.json({ ...switched, creatorId: otherCreatorId, role: 'viewer' }),
      'POST /api/auth/logout': () => reply.noContent(),
    });
    const { tokens } = renderApp({ path: '/team', api });
    const previousRefreshToken = storedRefreshToken();
    const switcher = await screen.findByRole('combobox', { name: 'Creator' });
    expect(
      within(switcher)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(['Ana Runs · Owner', 'Bea Yoga · Viewer']);
    await user.selectOptions(switcher, otherCreatorId);

    expect(await screen.findByText('bea@example.com')).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/auth/switch')[0]?.body).toEqual({ creatorId: otherCreatorId });
    expect(api.callsTo('POST', '/api/auth/logout')[0]?.body).toEqual({ refreshToken: previousRefreshToken });
    const snapshot = tokens.getSnapshot();
    expect(snapshot.status === 'signed-in' && snapshot.claims).toMatchObject({
      creatorId: otherCreatorId,
      role: 'viewer',
    });
    expect(screen.getByText(/You have the viewer role/)).toBeInTheDocument();
    expect(creatorId).not.toBe(otherCreatorId);
  });

  it('accepts an invitation with a name and password and lands in the dashboard', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'POST /api/auth/invitations/accept': () =>
        reply.json({ ...tokenPair({ role: 'viewer' }), creatorId, role: 'viewer' }),
      'GET /api/auth/me': () => reply.json(meResponse('viewer')),
      'GET /api/hub/settings': () =>
        reply.json({
          id: creatorId,
          name: 'Ana Runs',
          slug: 'ana-runs',
          timezone: 'Europe/Madrid',
          createdAt: '2025-01-01T00:00:00.000Z',
        }),
      'GET /api/hub/analytics/overview': () => reply.problem(503, 'warming up'),
      'GET /api/hub/analytics/timeseries': () => reply.json({ metric: 'x', points: [] }),
      'GET /api/hub/analytics/response-times': () => reply.json({ points: [] }),
    });
    renderApp({ path: `/accept-invitation?token=${creatorId}.secret-token`, api, role: null });
    await user.type(await screen.findByLabelText(/Your name/), 'Vera Viewer');
    await user.type(screen.getByLabelText('Password'), 'a long and unusual passphrase');
    await user.click(screen.getByRole('button', { name: 'Accept invitation' }));
    expect(await screen.findByRole('heading', { name: 'Analytics', level: 1 })).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/auth/invitations/accept')[0]?.body).toEqual({
      token: `${creatorId}.secret-token`,
      name: 'Vera Viewer',
      password: 'a long and unusual passphrase',
    });
  });
});
