import type { TStaffRole } from '@companero/contracts/auth/session';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { programTemplates } from '../src/features/programs/program-templates';
import { createFakeApi, reply } from './fake-api';
import { meResponse, renderApp } from './test-session';

const programId = (index: number) => `bbbbbbbb-bbbb-4bbb-8bbb-${String(index).padStart(12, '0')}`;

const summary = (index: number, overrides: Record<string, unknown> = {}) => ({
  id: programId(index),
  name: `Program ${index}`,
  description: null,
  status: 'draft',
  latestVersion: null,
  hasUnpublishedChanges: true,
  activeEnrollments: 0,
  updatedAt: '2025-03-20T09:00:00.000Z',
  ...overrides,
});

const proactiveDefaults = {
  quietHours: { start: '21:00', end: '08:00' },
  maxPerDay: 3,
  channelOrder: ['whatsapp', 'telegram', 'push', 'app', 'widget'],
  unsubscribeKeywords: ['STOP', 'UNSUBSCRIBE', 'BAJA'],
  resubscribeKeywords: ['START', 'ALTA'],
};

const programsApi = (items: unknown[] = []) => {
  const state = { items: [...items], proactive: proactiveDefaults as Record<string, unknown> };
  const api = createFakeApi({
    'GET /api/auth/me': () => reply.json(meResponse('owner')),
    'GET /api/hub/programs': () => reply.json({ items: state.items }),
    'GET /api/hub/programs/settings/proactive': () => reply.json(state.proactive),
    'PUT /api/hub/programs/settings/proactive': (request) => {
      state.proactive = request.body as Record<string, unknown>;
      return reply.json(state.proactive);
    },
    'GET /api/hub/programs/:id': (_request, params) =>
      reply.json(state.items.find((item) => (item as { id: string }).id === params.id)),
    'POST /api/hub/programs': (request) => {
      const body = request.body as { name: string; description?: string; graph: unknown };
      const created = {
        ...summary(9, { name: body.name, description: body.description ?? null }),
        graph: body.graph,
        revision: 1,
        createdAt: '2025-03-21T09:00:00.000Z',
      };
      state.items = [created, ...state.items];
      return reply.json(created, 201);
    },
  });
  return { api, state };
};

describe('the programs page', () => {
  it('lists each program with its status, version, unpublished changes and active enrollments', async () => {
    const { api } = programsApi([
      summary(1, {
        name: 'Morning check-in',
        status: 'published',
        latestVersion: 3,
        activeEnrollments: 1204,
      }),
      summary(2, { name: 'Onboarding week', description: 'For new members' }),
      summary(3, { name: 'Comeback', status: 'published', latestVersion: 1, hasUnpublishedChanges: false }),
    ]);
    renderApp({ path: '/programs', api });
    const table = await screen.findByRole('table', { name: 'Programs, most recently changed first' });
    const navigation = screen.getByRole('navigation', { name: 'Main' });
    expect(within(navigation).getByRole('link', { name: 'Programs' })).toHaveAttribute('href', '/programs');

    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map((row) =>
        within(row)
          .getAllByRole('cell')
          .map((cell) => cell.textContent),
      ),
    ).toEqual([
      ['Published', 'v3', 'Yes', (1204).toLocaleString(), expect.any(String), ''],
      ['Draft', '—', 'Not published yet', '0', expect.any(String), ''],
      ['Published', 'v1', 'No', '0', expect.any(String), ''],
    ]);
    expect(within(rows[0]!).getByRole('link', { name: 'Morning check-in' })).toHaveAttribute(
      'href',
      `/programs/${programId(1)}`,
    );
    expect(within(rows[1]!).getByText('For new members')).toBeInTheDocument();
  });

  it('creates a program from the 7-day morning check-in template and opens it', async () => {
    const user = userEvent.setup();
    const { api } = programsApi();
    renderApp({ path: '/programs', api });
    expect(await screen.findByRole('heading', { name: 'No programs yet' })).toBeInTheDocument();
    await user.click(screen.getAllByRole('button', { name: 'New program' })[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'New program' });
    await user.click(within(dialog).getByLabelText(/7-day morning check-in/));
    await user.click(within(dialog).getByRole('button', { name: 'Create and open' }));

    await waitFor(() => expect(api.callsTo('POST', '/api/hub/programs')).toHaveLength(1));
    const template = programTemplates.find((candidate) => candidate.id === 'morning-check-in')!;
    // An empty name keeps the template's.
    expect(api.callsTo('POST', '/api/hub/programs')[0]!.body).toEqual({
      name: '7-day morning check-in',
      graph: template.graph(),
    });
    // The builder opens on the new program, as the server has it.
    expect(
      await screen.findByRole('heading', { name: '7-day morning check-in', level: 1 }),
    ).toBeInTheDocument();
    expect(api.callsTo('GET', `/api/hub/programs/${programId(9)}`)).toHaveLength(1);
  });

  it('asks for a name for a blank program', async () => {
    const user = userEvent.setup();
    const { api } = programsApi();
    renderApp({ path: '/programs', api });
    await user.click((await screen.findAllByRole('button', { name: 'New program' }))[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'New program' });
    await user.click(within(dialog).getByRole('button', { name: 'Create and open' }));
    expect(
      await within(dialog).findByText('Give the program a name; members never see it.'),
    ).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/hub/programs')).toHaveLength(0);
  });

  it('saves the proactive settings: quiet hours, daily cap, channel order and keywords', async () => {
    const user = userEvent.setup();
    const { api } = programsApi();
    renderApp({ path: '/programs', api });
    const card = (await screen.findByRole('heading', { name: 'Proactive messages' })).closest('section')!;
    const save = within(card).getByRole('button', { name: 'Save proactive settings' });
    expect(save).toBeDisabled();

    await user.clear(within(card).getByLabelText('At most, per member and day'));
    await user.type(within(card).getByLabelText('At most, per member and day'), '2');
    await user.click(within(card).getByRole('button', { name: 'Move Telegram up' }));
    await user.click(within(card).getByRole('checkbox', { name: 'Push notification' }));
    await user.clear(within(card).getByLabelText('Unsubscribe keywords'));
    await user.type(within(card).getByLabelText('Unsubscribe keywords'), 'STOP, PARAR');
    await user.clear(within(card).getByLabelText('From'));
    await user.type(within(card).getByLabelText('From'), '22:30');
    await user.click(save);

    await waitFor(() => expect(api.callsTo('PUT', '/api/hub/programs/settings/proactive')).toHaveLength(1));
    expect(api.callsTo('PUT', '/api/hub/programs/settings/proactive')[0]!.body).toEqual({
      quietHours: { start: '22:30', end: '08:00' },
      maxPerDay: 2,
      channelOrder: ['telegram', 'whatsapp', 'app', 'widget'],
      unsubscribeKeywords: ['STOP', 'PARAR'],
      resubscribeKeywords: ['START', 'ALTA'],
    });
    expect(await screen.findByText('Proactive settings saved.')).toBeInTheDocument();
  });

  it('keeps a daily cap outside 1–50 from being saved, and says why', async () => {
    const user = userEvent.setup();
    const { api } = programsApi();
    renderApp({ path: '/programs', api });
    const field = await screen.findByLabelText('At most, per member and day');
    await user.clear(field);
    await user.type(field, '80');
    await user.click(screen.getByRole('button', { name: 'Save proactive settings' }));
    expect(await screen.findByText('Between 1 and 50 messages a day.')).toBeInTheDocument();
    expect(api.callsTo('PUT', '/api/hub/programs/settings/proactive')).toHaveLength(0);
  });

  it.each(['viewer'] as TStaffRole[])(
    'shows a %s the programs with creating and settings disabled',
    async (role) => {
      const api = createFakeApi({
        'GET /api/auth/me': () => reply.json(meResponse(role)),
        'GET /api/hub/programs': () => reply.json({ items: [summary(1)] }),
        'GET /api/hub/programs/settings/proactive': () => reply.json(proactiveDefaults),
      });
      renderApp({ path: '/programs', api, role });
      expect(await screen.findByRole('link', { name: 'Program 1' })).toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'New program' })).toBeDisabled();
      expect(screen.queryByRole('button', { name: 'Delete Program 1' })).toBeNull();
      expect(await screen.findByLabelText('At most, per member and day')).toBeDisabled();
    },
  );
});
