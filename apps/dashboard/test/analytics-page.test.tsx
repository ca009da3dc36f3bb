import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createFakeApi, reply } from './fake-api';
import { overview, settings } from './hub-fixtures';
import { meResponse, renderApp } from './test-session';

const routes = (overviewBody: object, points: object[] = []) => ({
  'GET /api/auth/me': () => reply.json(meResponse()),
  'GET /api/hub/settings': () => reply.json(settings),
  'GET /api/hub/analytics/overview': () => reply.json(overviewBody),
  'GET /api/hub/analytics/timeseries': (request: { query: URLSearchParams }) =>
    reply.json({ metric: request.query.get('metric'), points }),
  'GET /api/hub/analytics/response-times': () =>
    reply.json({ points: [{ day: '2025-03-02', p50: 1500, p95: 4000 }] }),
});

describe('the analytics page', () => {
  it('shows the period’s figures, cohorts and questions', async () => {
    const api = createFakeApi(
      routes(overview(), [
        { day: '2025-03-02', channel: 'whatsapp', value: 12 },
        { day: '2025-03-02', channel: 'telegram', value: 3 },
      ]),
    );
    renderApp({ path: '/analytics', api });
    const figures = await screen.findByText('Active members', { selector: 'dt' });
    expect(figures.parentElement).toHaveTextContent('42');
    expect(screen.getByText('Response time', { selector: 'dt' }).parentElement).toHaveTextContent('1.8 s');
    expect(screen.getByText('Unanswered', { selector: 'dt' }).parentElement).toHaveTextContent('12%');
    expect(screen.getByRole('cell', { name: '50%' })).toBeInTheDocument();
    expect(screen.getByText('How long should my long run be?')).toBeInTheDocument();
    expect(screen.getByText('Can I run with a cold?')).toBeInTheDocument();
    const messages = screen.getByRole('heading', { name: 'Messages by channel' }).closest('section')!;
    expect(
      await within(messages).findByRole('img', { name: /15 messages received, across 2 channels/ }),
    ).toBeInTheDocument();
  });

  it('counts days in the creator’s time zone and asks for the chosen range', async () => {
    const user = userEvent.setup();
    const api = createFakeApi(routes(overview()));
    renderApp({ path: '/analytics', api });
    await screen.findByText('Active members', { selector: 'dt' });
    expect(screen.getByText(/Days are counted in Europe\/Madrid/)).toBeInTheDocument();
    const first = api.callsTo('GET', '/api/hub/analytics/overview')[0]!;
    const span = (Date.parse(first.query.get('to')!) - Date.parse(first.query.get('from')!)) / 86_400_000;
    expect(span).toBe(29);

    await user.click(screen.getByRole('radio', { name: '7 days' }));
    await waitFor(() => {
      const last = api.callsTo('GET', '/api/hub/analytics/overview').at(-1)!;
      expect((Date.parse(last.query.get('to')!) - Date.parse(last.query.get('from')!)) / 86_400_000).toBe(6);
    });
  });

  it('refuses a custom range that ends before it starts', async () => {
    const user = userEvent.setup();
    const api = createFakeApi(routes(overview()));
    renderApp({ path: '/analytics', api });
    await screen.findByText('Active members', { selector: 'dt' });
    await user.click(screen.getByRole('radio', { name: 'Custom' }));
    const from = screen.getByLabelText('From');
    const to = screen.getByLabelText('To');
    await user.clear(from);
    await user.type(from, '2025-03-20');
    await user.clear(to);
    await user.type(to, '2025-03-10');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The start day must be on or before the end day.',
    );
  });

  it('says what to do when nothing happened in the period', async () => {
    const quiet = overview({
      activeMembers: 0,
      newMembers: 0,
      conversations: 0,
      messagesIn: 0,
      messagesOut: 0,
      responseTimeMs: { p50: null, p95: null },
      unansweredRate: null,
      feedback: { up: 0, down: 0 },
      topQuestions: [],
      unansweredQuestions: [],
      retention: { cohorts: [] },
    });
    const api = createFakeApi({
      ...routes(quiet),
      'GET /api/hub/analytics/response-times': () => reply.json({ points: [] }),
    });
    renderApp({ path: '/analytics', api });
    expect(await screen.findByRole('heading', { name: 'No activity in this period' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'import your members from a CSV' })).toHaveAttribute(
      'href',
      '/members',
    );
    expect(await screen.findByText(/No messages received in this period/)).toBeInTheDocument();
    expect(screen.getByText(/No cohorts yet/)).toBeInTheDocument();
  });

  it('explains a failure and retries on request', async () => {
    const user = userEvent.setup();
    let attempts = 0;
    const api = createFakeApi({
      ...routes(overview()),
      'GET /api/hub/analytics/overview': () => {
        attempts += 1;
        return attempts === 1
          ? reply.problem(403, 'Reading analytics needs the viewer role or higher.')
          : reply.json(overview());
      },
    });
    renderApp({ path: '/analytics', api });
    expect(await screen.findByRole('heading', { name: 'Analytics could not be loaded' })).toBeInTheDocument();
    expect(screen.getByText('Reading analytics needs the viewer role or higher.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Active members', { selector: 'dt' })).toBeInTheDocument();
  });
});
