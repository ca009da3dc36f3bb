import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createFakeApi, reply } from './fake-api';
import { member, memberDetail, transcript } from './hub-fixtures';
import { meResponse, renderApp } from './test-session';

const me = () => reply.json(meResponse());

describe('the members list', () => {
  it('searches once typing pauses and combines the search with a channel filter', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': me,
      'GET /api/hub/members': (request) =>
        reply.json({
          items:
            request.query.get('q') === 'lucia'
              ? [member(1, { name: 'Lucía Pérez' })]
              : [member(1), member(2)],
          nextCursor: null,
        }),
    });
    renderApp({ path: '/members', api });
    expect(await screen.findByRole('link', { name: 'Member 2' })).toBeInTheDocument();

    await user.type(screen.getByLabelText('Search'), 'lucia');
    expect(await screen.findByRole('link', { name: 'Lucía Pérez' })).toBeInTheDocument();
    const searches = api.callsTo('GET', '/api/hub/members').map((call) => call.query.get('q'));
    expect(searches).not.toContain('l');
    expect(searches).toContain('lucia');

    await user.selectOptions(screen.getByLabelText('Channel'), 'telegram');
    await waitFor(() =>
      expect(api.callsTo('GET', '/api/hub/members').at(-1)?.query.get('channel')).toBe('telegram'),
    );
    expect(api.callsTo('GET', '/api/hub/members').at(-1)?.query.get('q')).toBe('lucia');
  });

  it('pages forward with the cursor and back without one', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': me,
      'GET /api/hub/members': (request) =>
        request.query.get('cursor') === 'page-2'
          ? reply.json({ items: [member(51)], nextCursor: null })
          : reply.json({ items: [member(1)], nextCursor: 'page-2' }),
    });
    renderApp({ path: '/members', api });
    await screen.findByRole('link', { name: 'Member 1' });
    await user.click(screen.getByRole('button', { name: 'Next →' }));
    expect(await screen.findByRole('link', { name: 'Member 51' })).toBeInTheDocument();
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next →' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: '← Previous' }));
    expect(await screen.findByRole('link', { name: 'Member 1' })).toBeInTheDocument();
  });

  it('says what to do when there are no members, and when filters match nobody', async () => {
    const api = createFakeApi({
      'GET /api/auth/me': me,
      'GET /api/hub/members': () => reply.json({ items: [], nextCursor: null }),
    });
    renderApp({ path: '/members', api });
    expect(await screen.findByRole('heading', { name: 'No members yet' })).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: /Import (a )?CSV/ }).length).toBeGreaterThan(0);
  });

  it('explains an empty filtered result and offers to clear the filters', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': me,
      'GET /api/hub/members': (request) =>
        reply.json({ items: request.query.get('tag') ? [] : [member(1)], nextCursor: null }),
    });
    renderApp({ path: '/members?tag=nobody', api });
    expect(
      await screen.findByRole('heading', { name: 'No members match these filters' }),
    ).toBeInTheDocument();
    await user.click(screen.getAllByRole('button', { name: 'Clear filters' })[0]!);
    expect(await screen.findByRole('link', { name: 'Member 1' })).toBeInTheDocument();
  });

  it('imports a CSV and reports imported, updated and rejected rows', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': me,
      'GET /api/hub/members': () => reply.json({ items: [member(1)], nextCursor: null }),
      'POST /api/hub/members/import': () =>
        reply.json({ imported: 3, updated: 1, rejected: [{ row: 5, reason: 'The email is not valid.' }] }),
    });
    renderApp({ path: '/members', api });
    await screen.findByRole('link', { name: 'Member 1' });
    await user.click(screen.getByRole('button', { name: 'Import CSV' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import members from CSV' });
    const file = new File(['name,email\nLucía,lucia@example.com\n'], 'members.csv', { type: 'text/csv' });
    await user.upload(within(dialog).getByLabelText('CSV file'), file);
    await user.click(within(dialog).getByRole('button', { name: 'Import' }));

    const report = await within(dialog).findByRole('status');
    expect(report).toHaveTextContent('3 new members imported, 1 updated, 1 row skipped.');
    expect(report).toHaveTextContent('Line 5 The email is not valid.');
    const upload = api.callsTo('POST', '/api/hub/members/import')[0]?.body as FormData;
    expect((upload.get('file') as File).name).toBe('members.csv');
  });

  it('lets a viewer browse but disables import and export and hides bulk selection', async () => {
    const api = createFakeApi({
      'GET /api/auth/me': () => reply.json(meResponse('viewer')),
      'GET /api/hub/members': () => reply.json({ items: [member(1)], nextCursor: null }),
    });
    renderApp({ path: '/members', api, role: 'viewer' });
    await screen.findByRole('link', { name: 'Member 1' });
    expect(screen.getByRole('button', { name: 'Import CSV' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
    expect(screen.queryByRole('checkbox')).not.toBeInTheDocument();
  });

  it('tags the selected members in bulk', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      'GET /api/auth/me': me,
      'GET /api/hub/members': () => reply.json({ items: [member(1), member(3)], nextCursor: null }),
      'POST /api/hub/members/bulk-tag': () => reply.json({ updated: 2 }),
    });
    renderApp({ path: '/members', api });
    await user.click(await screen.findByRole('checkbox', { name: 'Select every member on this page' }));
    await user.type(screen.getByLabelText('Tag to add or remove'), 'spring-camp');
    await user.click(screen.getByRole('button', { name: 'Add tag' }));
    expect(await screen.findByText('Tagged 2 members “spring-camp”.')).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/hub/members/bulk-tag')[0]?.body).toEqual({
      memberIds: [member(1).id, member(3).id],
      add: ['spring-camp'],
      remove: [],
    });
  });
});

describe('a member’s page', () => {
  const detailRoutes = (overrides: Record<string, unknown> = {}) => ({
    'GET /api/auth/me': me,
    'GET /api/hub/members/:id': () => reply.json(memberDetail(overrides)),
    'GET /api/hub/members/:id/messages': () => reply.json(transcript),
  });

  it('shows the transcript across channels, the profile, tags and notes', async () => {
    const api = createFakeApi(detailRoutes());
    renderApp({ path: `/members/${memberDetail().id}`, api });
    expect(await screen.findByRole('heading', { name: 'Lucía Pérez', level: 1 })).toBeInTheDocument();
    const messages = await screen.findByRole('list', { name: 'Messages with Lucía Pérez' });
    expect(within(messages).getByText('How long should my long run be this week?')).toBeInTheDocument();
    expect(within(messages).getByText('About 18 km at an easy pace.')).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Current tags' })).toHaveTextContent(/vip.*runner/);
    expect(screen.getByLabelText('Notes about this member')).toHaveValue('Training for a marathon in May.');
  });

  it('edits tags and saves them', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      ...detailRoutes(),
      'PATCH /api/hub/members/:id': (request) =>
        reply.json(memberDetail(request.body as Record<string, unknown>)),
    });
    renderApp({ path: `/members/${memberDetail().id}`, api });
    await user.click(await screen.findByRole('button', { name: 'Remove tag runner' }));
    await user.type(screen.getByLabelText('New tag'), 'marathon{Enter}');
    await user.click(screen.getByRole('button', { name: 'Save tags' }));
    expect(await screen.findByText('Tags saved.')).toBeInTheDocument();
    expect(api.callsTo('PATCH', `/api/hub/members/${memberDetail().id}`)[0]?.body).toEqual({
      tags: ['vip', 'marathon'],
    });
  });

  it('names what an erasure deletes and asks for the member’s name before erasing', async () => {
    const user = userEvent.setup();
    const api = createFakeApi({
      ...detailRoutes(),
      'DELETE /api/hub/members/:id': () => reply.json({ status: 'scheduled', jobId: 'job-1' }, 202),
      'GET /api/hub/members': () => reply.json({ items: [], nextCursor: null }),
    });
    renderApp({ path: `/members/${memberDetail().id}`, api });
    await user.click(await screen.findByRole('button', { name: 'Erase' }));
    const dialog = await screen.findByRole('dialog', { name: 'Erase Lucía Pérez?' });
    expect(dialog).toHaveTextContent('lucia@example.com, +34600000001');
    expect(dialog).toHaveTextContent('1 conversation with 2 messages');
    expect(dialog).toHaveTextContent('WhatsApp +34 600 000 001');
    expect(dialog).toHaveTextContent('Tags: vip, runner');
    expect(dialog).toHaveTextContent('cannot be undone');
    const confirm = within(dialog).getByRole('button', { name: 'Erase member' });
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText(/to confirm/), 'lucía pérez');
    await user.click(confirm);
    expect(await screen.findByRole('heading', { name: 'Members', level: 1 })).toBeInTheDocument();
    expect(api.callsTo('DELETE', `/api/hub/members/${memberDetail().id}`)).toHaveLength(1);
    expect(screen.getByText(/Lucía Pérez is being erased/)).toBeInTheDocument();
  });

  it('shows a viewer read-only editors and disabled export and erase', async () => {
    const api = createFakeApi({
      ...detailRoutes(),
      'GET /api/auth/me': () => reply.json(meResponse('viewer')),
    });
    renderApp({ path: `/members/${memberDetail().id}`, api, role: 'viewer' });
    expect(await screen.findByRole('button', { name: 'Erase' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Export data' })).toBeDisabled();
    expect(screen.getByLabelText('New tag')).toBeDisabled();
    expect(screen.getByLabelText('Notes about this member')).toHaveAttribute('readonly');
    expect(screen.queryByRole('button', { name: /Remove tag/ })).not.toBeInTheDocument();
  });

  it('says plainly when the member does not exist', async () => {
    const api = createFakeApi({
      'GET /api/auth/me': me,
      'GET /api/hub/members/:id': () => reply.problem(404, 'The member does not exist.'),
    });
    renderApp({ path: '/members/aaaaaaaa-aaaa-4aaa-8aaa-999999999999', api });
    expect(await screen.findByRole('heading', { name: 'This member does not exist' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('The member does not exist.');
  });
});
