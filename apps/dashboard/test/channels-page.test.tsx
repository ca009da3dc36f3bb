import type { TStaffRole } from '@companero/contracts/auth/session';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { parseAllowedOrigins } from '../src/features/channels/allowed-origins';
import { createFakeApi, type FakeRequest, reply } from './fake-api';
import { meResponse, renderApp } from './test-session';

const connectionId = (index: number) => `dddddddd-dddd-4ddd-8ddd-${String(index).padStart(12, '0')}`;
const deliveryId = (index: number) => `eeeeeeee-eeee-4eee-8eee-${String(index).padStart(12, '0')}`;
const memberId = (index: number) => `aaaaaaaa-aaaa-4aaa-8aaa-${String(index).padStart(12, '0')}`;
const webhookUrl = (channel: string, id: string) =>
  `https://coach.example.com/api/channels/${channel}/${id}/webhook`;

const whatsappConnection = {
  id: connectionId(1),
  channel: 'whatsapp',
  status: 'active',
  webhookUrl: webhookUrl('whatsapp', connectionId(1)),
  settings: {
    phoneNumberId: '106540352242922',
    apiVersion: 'v21.0',
    template: { name: 'coach_followup', language: 'en' },
  },
  lastError: null,
  lastEventAt: '2025-03-20T09:00:00.000Z',
  createdAt: '2025-03-01T10:00:00.000Z',
};

const telegramConnection = {
  id: connectionId(2),
  channel: 'telegram',
  status: 'error',
  webhookUrl: webhookUrl('telegram', connectionId(2)),
  settings: { botUsername: 'ana_runs_bot', botId: 7000000001 },
  lastError: 'Telegram answered 401 Unauthorized: the token was revoked.',
  lastEventAt: null,
  createdAt: '2025-03-02T10:00:00.000Z',
};

const embedCode = '<script src="https://coach.example.com/widget.js" data-creator="ana-runs" async></script>';

const widget = {
  theme: {
    primaryColor: '#4f46e5',
    position: 'bottom-right',
    title: 'Chat with your coach',
    avatarUrl: null as string | null,
    greeting: 'Hi! Ask me anything.',
  },
  allowedOrigins: ['https://www.anaruns.com'],
  identityVerification: false,
  embedCode,
  updatedAt: null as string | null,
};

const delivery = (index: number, overrides: Record<string, unknown> = {}) => ({
  id: deliveryId(index),
  messageId: `ffffffff-ffff-4fff-8fff-${String(index).padStart(12, '0')}`,
  memberId: memberId(index),
  channel: 'whatsapp',
  status: 'dead',
  attempts: 8,
  lastError: 'WhatsApp error 131047: more than 24 hours have passed since the member last wrote.',
  preview: `Great job on run ${index}! Rest tomorrow.`,
  nextAttemptAt: null,
  createdAt: '2025-03-20T08:00:00.000Z',
  updatedAt: '2025-03-20T09:30:00.000Z',
  ...overrides,
});

/** The channels API over mutable state, so a change shows in the next GET like on the real server. */
const channelsApi = (
  role: TStaffRole = 'owner',
  options: {
    items?: unknown[];
    widget?: typeof widget;
    deliveries?: (request: FakeRequest) => ReturnType<typeof reply.json>;
    telegram?: (request: FakeRequest) => ReturnType<typeof reply.json>;
  } = {},
) => {
  const state = {
    items: options.items ?? [whatsappConnection, telegramConnection],
    widget: options.widget ?? widget,
  };
  let secrets = 0;
  const api = createFakeApi({
    'GET /api/auth/me': () => reply.json(meResponse(role)),
    'GET /api/hub/channels': () => reply.json(state),
    'GET /api/hub/channels/deliveries':
      options.deliveries ?? (() => reply.json({ items: [], nextCursor: null })),
    'POST /api/hub/channels/whatsapp': (request) => {
      const id = connectionId(9);
      const body = request.body as { phoneNumberId: string; apiVersion?: string };
      state.items = [
        ...state.items,
        {
          ...whatsappConnection,
          id,
          webhookUrl: webhookUrl('whatsapp', id),
          settings: { phoneNumberId: body.phoneNumberId, apiVersion: body.apiVersion ?? 'v21.0' },
          lastEventAt: null,
        },
      ];
      return reply.json({ id, webhookUrl: webhookUrl('whatsapp', id) }, 201);
    },
    'POST /api/hub/channels/telegram':
      options.telegram ??
      (() => reply.json({ id: connectionId(8), webhookUrl: webhookUrl('telegram', connectionId(8)) }, 201)),
    'PUT /api/hub/channels/widget': (request) => {
      const body = request.body as Pick<typeof widget, 'theme' | 'allowedOrigins'>;
      state.widget = { ...state.widget, ...body, updatedAt: '2025-03-21T10:00:00.000Z' };
      return reply.json(state.widget);
    },
    'POST /api/hub/channels/widget/identity-secret': () => {
      secrets += 1;
      state.widget = { ...state.widget, identityVerification: true };
      return reply.json({ secret: `wis_${'k'.repeat(40)}${secrets}` }, 201);
    },
    'DELETE /api/hub/channels/:id': (_request, params) => {
      state.items = state.items.filter((item) => (item as { id: string }).id !== params.id);
      return reply.noContent();
    },
    'POST /api/hub/channels/deliveries/:id/retry': () => reply.json({ status: 'queued' }, 202),
  });
  return { api, state };
};

describe('the channels page, by role', () => {
  it.each(['owner', 'admin'] as const)('lets an %s connect, change, disconnect and retry', async (role) => {
    const { api } = channelsApi(role, {
      deliveries: () => reply.json({ items: [delivery(1)], nextCursor: null }),
    });
    renderApp({ path: '/channels', api, role });
    expect(await screen.findByRole('heading', { name: 'Website widget' })).toBeInTheDocument();
    const navigation = screen.getByRole('navigation', { name: 'Main' });
    expect(within(navigation).getByRole('link', { name: 'Channels' })).toHaveAttribute('href', '/channels');
    expect(screen.queryByText(/You have the .* role: you can see how the channels are set up/)).toBeNull();

    expect(screen.getByRole('button', { name: 'Connect WhatsApp' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Connect a bot' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Disconnect WhatsApp number 106540352242922' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Disconnect @ana_runs_bot' })).toBeEnabled();
    expect(screen.getByLabelText('Title')).not.toHaveAttribute('readonly');
    expect(screen.getByLabelText('Position')).toBeEnabled();
    expect(screen.getByLabelText('Allowed origins')).not.toHaveAttribute('readonly');
    expect(screen.getByRole('button', { name: 'Create a secret' })).toBeEnabled();
    expect(await screen.findByRole('button', { name: /^Retry/ })).toBeEnabled();
  });

  it.each(['editor', 'viewer'] as const)(
    'shows the %s role every channel and the queue, with every change disabled',
    async (role) => {
      const { api } = channelsApi(role, {
        deliveries: () => reply.json({ items: [delivery(1)], nextCursor: null }),
      });
      renderApp({ path: '/channels', api, role });
      expect(await screen.findByRole('heading', { name: 'Website widget' })).toBeInTheDocument();
      expect(
        screen.getByText(new RegExp(`You have the ${role} role: you can see how the channels are set up`)),
      ).toBeInTheDocument();

      // Reading: the embed code, the callback URL, the bot, its last error and the queue are all there.
      expect(screen.getAllByText(embedCode)[0]).toBeInTheDocument();
      expect(screen.getByText(whatsappConnection.webhookUrl)).toBeInTheDocument();
      expect(screen.getByRole('link', { name: '@ana_runs_bot' })).toHaveAttribute(
        'href',
        'https://t.me/ana_runs_bot',
      );
      expect(screen.getByText(telegramConnection.lastError)).toBeInTheDocument();
      expect(await screen.findByText(delivery(1).preview)).toBeInTheDocument();

      // Managing: disabled, with the reason.
      expect(screen.getByRole('button', { name: 'Connect WhatsApp' })).toBeDisabled();
      expect(screen.getByRole('button', { name: 'Connect a bot' })).toBeDisabled();
      expect(
        screen.getByRole('button', { name: 'Disconnect WhatsApp number 106540352242922' }),
      ).toBeDisabled();
      expect(screen.getByRole('button', { name: 'Disconnect @ana_runs_bot' })).toBeDisabled();
      expect(screen.getByLabelText('Title')).toHaveAttribute('readonly');
      expect(screen.getByLabelText('Position')).toBeDisabled();
      expect(screen.getByLabelText('Allowed origins')).toHaveAttribute('readonly');
      expect(screen.getByRole('button', { name: 'Save widget' })).toBeDisabled();
      expect(screen.getByRole('button', { name: 'Create a secret' })).toBeDisabled();
      expect(screen.getByRole('button', { name: /^Retry/ })).toBeDisabled();
      const article = role === 'editor' ? 'an' : 'a';
      expect(
        screen.getAllByText(`Needs the admin role or higher; you are ${article} ${role}.`).length,
      ).toBeGreaterThan(0);
    },
  );

  it('disconnects a channel only after confirming', async () => {
    const user = userEvent.setup();
    const { api } = channelsApi();
    renderApp({ path: '/channels', api });
    await user.click(await screen.findByRole('button', { name: 'Disconnect @ana_runs_bot' }));
    const dialog = await screen.findByRole('dialog', { name: 'Disconnect @ana_runs_bot?' });
    expect(api.callsTo('DELETE', `/api/hub/channels/${telegramConnection.id}`)).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    expect(await screen.findByText('@ana_runs_bot was disconnected.')).toBeInTheDocument();
    expect(api.callsTo('DELETE', `/api/hub/channels/${telegramConnection.id}`)).toHaveLength(1);
    expect(await screen.findByText('No Telegram bot connected')).toBeInTheDocument();
  });
});

describe('connecting WhatsApp', () => {
  it('checks the fields, sends them, clears the secrets and shows the callback URL to set in Meta', async () => {
    const user = userEvent.setup();
    const { api } = channelsApi('owner', { items: [] });
    renderApp({ path: '/channels', api });
    expect(await screen.findByText('No WhatsApp number connected')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Connect WhatsApp' }));

    const accessToken = screen.getByLabelText('Access token');
    expect(accessToken).toHaveAttribute('type', 'password');
    expect(screen.getByLabelText('App secret')).toHaveAttribute('type', 'password');
    expect(screen.getByLabelText('Verify token')).toHaveAttribute('type', 'password');

    await user.type(screen.getByLabelText('Phone number ID'), '+34 600 000 001');
    await user.click(screen.getByRole('button', { name: 'Connect number' }));
    expect(screen.getByLabelText('Phone number ID')).toHaveAccessibleDescription(
      expect.stringContaining('That is the phone number itself'),
    );
    expect(accessToken).toHaveAccessibleDescription(
      expect.stringContaining('Paste the access token from Meta'),
    );
    expect(api.callsTo('POST', '/api/hub/channels/whatsapp')).toHaveLength(0);

    await user.clear(screen.getByLabelText('Phone number ID'));
    await user.type(screen.getByLabelText('Phone number ID'), '106540352242999');
    await user.type(accessToken, 'EAAG-permanent-system-user-token');
    await user.type(screen.getByLabelText('App secret'), 'f00dfeedcafe1234');
    await user.type(screen.getByLabelText('Verify token'), 'my-verify-token-42');
    await user.click(screen.getByText('Advanced: API version, message template, API address'));
    await user.type(screen.getByLabelText(/Template name/), 'coach_followup');
    await user.type(screen.getByLabelText(/Template language/), 'es_ES');
    await user.click(screen.getByRole('button', { name: 'Connect number' }));

    const setup = await screen.findByRole('region', { name: 'Number connected. One step left, in Meta:' });
    expect(api.callsTo('POST', '/api/hub/channels/whatsapp')[0]?.body).toEqual({
      phoneNumberId: '106540352242999',
      accessToken: 'EAAG-permanent-system-user-token',
      appSecret: 'f00dfeedcafe1234',
      verifyToken: 'my-verify-token-42',
      template: { name: 'coach_followup', language: 'es_ES' },
    });
    const newWebhookUrl = webhookUrl('whatsapp', connectionId(9));
    expect(within(setup).getByText(newWebhookUrl)).toBeInTheDocument();
    expect(setup).toHaveTextContent(
      'In the Meta App Dashboard → WhatsApp → Configuration, set Callback URL to',
    );
    expect(setup).toHaveTextContent('Set Verify token to the one you chose here');
    expect(setup).toHaveTextContent('subscribe to messages');
    await user.click(within(setup).getByRole('button', { name: 'Copy callback URL' }));
    expect(await navigator.clipboard.readText()).toBe(newWebhookUrl);

    // The form is gone and no secret is left on the page; the new number is listed from the server's answer.
    expect(screen.queryByLabelText('Access token')).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain('EAAG-permanent-system-user-token');
    expect(document.body.innerHTML).not.toContain('f00dfeedcafe1234');
    expect(await screen.findByText('WhatsApp number 106540352242999')).toBeInTheDocument();
  });
});

describe('connecting Telegram', () => {
  it('checks the token’s shape, then shows why Telegram refused it', async () => {
    const user = userEvent.setup();
    const { api } = channelsApi('admin', {
      items: [],
      // Shaped like the server's answer when Telegram's getMe refuses the token.
      telegram: () =>
        reply.problem(422, 'Telegram did not accept the bot token: Unauthorized', {
          code: 'VALIDATION_FAILED',
          errors: [{ path: 'botToken', message: 'Unauthorized' }],
        }),
    });
    renderApp({ path: '/channels', api, role: 'admin' });
    await user.click(await screen.findByRole('button', { name: 'Connect a bot' }));
    const token = screen.getByLabelText('Bot token');
    expect(token).toHaveAttribute('type', 'password');
    expect(screen.getByText('@BotFather')).toHaveAttribute('href', 'https://t.me/BotFather');

    await user.type(token, 'not-a-token');
    await user.click(screen.getByRole('button', { name: 'Connect bot' }));
    expect(token).toHaveAccessibleDescription(expect.stringContaining('That is not a bot token'));
    expect(api.callsTo('POST', '/api/hub/channels/telegram')).toHaveLength(0);

    await user.clear(token);
    await user.type(token, '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    await user.click(screen.getByRole('button', { name: 'Connect bot' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Telegram did not accept the bot token: Unauthorized',
    );
    expect(token).toHaveAccessibleDescription(expect.stringContaining('Unauthorized'));
    expect(token).toHaveAttribute('aria-invalid', 'true');
    expect(api.callsTo('POST', '/api/hub/channels/telegram')[0]?.body).toEqual({
      botToken: '7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
    });
    // The form stays open to correct the token.
    expect(screen.getByLabelText('Bot token')).toBeInTheDocument();
  });
});

describe('the website widget', () => {
  it('names each allowed-origins line that is not an origin, then saves the theme and the origins', async () => {
    const user = userEvent.setup();
    const { api } = channelsApi();
    renderApp({ path: '/channels', api });
    const origins = await screen.findByLabelText('Allowed origins');
    expect(origins).toHaveValue('https://www.anaruns.com');
    expect(screen.getByRole('button', { name: 'Save widget' })).toBeDisabled();

    fireEvent.change(origins, {
      target: {
        value:
          'https://www.anaruns.com\nexample.com\n\nhttps://shop.anaruns.com/cart\nftp://files.anaruns.com',
      },
    });
    await user.click(screen.getByRole('button', { name: 'Save widget' }));
    const problems = screen.getByRole('list', { name: 'Problems with the origins' });
    const lines = within(problems).getAllByRole('listitem');
    expect(lines.map((line) => line.textContent)).toEqual([
      'Line 2 (example.com): Add the scheme: https://example.com',
      'Line 4 (https://shop.anaruns.com/cart): Only the origin: https://shop.anaruns.com (scheme, host and optional port, without a path).',
      'Line 5 (ftp://files.anaruns.com): Only http:// and https:// pages can embed the widget.',
    ]);
    expect(origins).toHaveAttribute('aria-invalid', 'true');
    expect(api.callsTo('PUT', '/api/hub/channels/widget')).toHaveLength(0);

    fireEvent.change(origins, {
      target: {
        value:
          'https://www.anaruns.com\nhttps://example.com\nhttps://Shop.AnaRuns.com:443/\nhttp://localhost:3000',
      },
    });
    const colour = screen.getByLabelText('Launcher colour');
    await user.clear(colour);
    await user.type(colour, '#0F766E');
    await user.selectOptions(screen.getByLabelText('Position'), 'bottom-left');
    await user.clear(screen.getByLabelText('Title'));
    await user.type(screen.getByLabelText('Title'), 'Ask Ana');
    await user.type(screen.getByLabelText(/Avatar URL/), 'https://cdn.anaruns.com/ana.png');
    expect(
      screen.getByRole('img', { name: /Preview: a #0F766E launcher at the bottom left/ }),
    ).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Save widget' }));
    expect(
      await screen.findByText('Widget saved. Pages that embed it show the change on their next load.'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Problems with the origins' })).not.toBeInTheDocument();
    expect(api.callsTo('PUT', '/api/hub/channels/widget')[0]?.body).toEqual({
      theme: {
        primaryColor: '#0f766e',
        position: 'bottom-left',
        title: 'Ask Ana',
        avatarUrl: 'https://cdn.anaruns.com/ana.png',
        greeting: 'Hi! Ask me anything.',
      },
      allowedOrigins: [
        'https://www.anaruns.com',
        'https://example.com',
        'https://shop.anaruns.com',
        'http://localhost:3000',
      ],
    });
    await waitFor(() =>
      expect(screen.getByLabelText('Allowed origins')).toHaveValue(
        'https://www.anaruns.com\nhttps://example.com\nhttps://shop.anaruns.com\nhttp://localhost:3000',
      ),
    );
  });

  it('shows a new identity secret once, with the code to sign user ids, and asks before rotating it', async () => {
    const user = userEvent.setup();
    const { api } = channelsApi();
    renderApp({ path: '/channels', api });
    const identity = await screen.findByRole('region', { name: 'Identity verification' });
    expect(within(identity).getByText('Off')).toBeInTheDocument();
    expect(identity).toHaveTextContent("createHmac('sha256', process.env.COMPANERO_WIDGET_SECRET)");
    expect(identity).toHaveTextContent(
      '<script src="https://coach.example.com/widget.js" data-creator="ana-runs" async data-user-id="USER_ID" data-user-hash="USER_HASH"></script>',
    );

    await user.click(within(identity).getByRole('button', { name: 'Create a secret' }));
    const first = `wis_${'k'.repeat(40)}1`;
    const panel = await screen.findByRole('region', { name: 'Your new identity secret' });
    expect(within(panel).getByText(first)).toBeInTheDocument();
    expect(panel).toHaveTextContent('this is the only time it is shown');
    expect(api.callsTo('POST', '/api/hub/channels/widget/identity-secret')).toHaveLength(1);
    expect(within(identity).getByText('On')).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Copy identity secret' }));
    expect(await navigator.clipboard.readText()).toBe(first);

    await user.click(within(panel).getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByRole('region', { name: 'Your new identity secret' })).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(first);

    await user.click(within(identity).getByRole('button', { name: 'Rotate secret' }));
    const dialog = await screen.findByRole('dialog', { name: 'Rotate the identity secret?' });
    expect(api.callsTo('POST', '/api/hub/channels/widget/identity-secret')).toHaveLength(1);
    await user.click(within(dialog).getByRole('button', { name: 'Rotate secret' }));
    expect(await screen.findByText(`wis_${'k'.repeat(40)}2`)).toBeInTheDocument();
    expect(api.callsTo('POST', '/api/hub/channels/widget/identity-secret')).toHaveLength(2);
  });
});

describe('outbound messages', () => {
  it('lists dead letters first, links each member, retries one, and filters by status', async () => {
    const user = userEvent.setup();
    const { api } = channelsApi('admin', {
      deliveries: (request) => {
        const status = request.query.get('status');
        if (status === 'failed')
          return reply.json({
            items: [
              delivery(3, {
                status: 'failed',
                attempts: 2,
                channel: 'telegram',
                nextAttemptAt: new Date(Date.now() + 5 * 60_000).toISOString(),
              }),
            ],
            nextCursor: null,
          });
        if (status === 'sent') return reply.json({ items: [], nextCursor: null });
        if (request.query.get('cursor') === 'page-2')
          return reply.json({ items: [delivery(2)], nextCursor: null });
        return reply.json({ items: [delivery(1)], nextCursor: 'page-2' });
      },
    });
    renderApp({ path: '/channels', api, role: 'admin' });
    const table = await screen.findByRole('table', { name: 'Dead letters' });
    expect(api.callsTo('GET', '/api/hub/channels/deliveries')[0]?.query.get('status')).toBe('dead');
    const row = within(table).getAllByRole('row')[1]!;
    expect(row).toHaveTextContent(delivery(1).preview);
    expect(row).toHaveTextContent('Dead letter');
    expect(row).toHaveTextContent('8 attempts');
    expect(row).toHaveTextContent(delivery(1).lastError);
    expect(within(row).getByRole('link', { name: /member/ })).toHaveAttribute(
      'href',
      `/members/${memberId(1)}`,
    );

    await user.click(within(row).getByRole('button', { name: /^Retry/ }));
    expect(await screen.findByText('Queued to be sent again.')).toBeInTheDocument();
    expect(api.callsTo('POST', `/api/hub/channels/deliveries/${deliveryId(1)}/retry`)).toHaveLength(1);
    await waitFor(() => expect(api.callsTo('GET', '/api/hub/channels/deliveries').length).toBeGreaterThan(1));

    await user.click(screen.getByRole('button', { name: 'Next →' }));
    expect(await screen.findByText(delivery(2).preview)).toBeInTheDocument();
    expect(api.callsTo('GET', '/api/hub/channels/deliveries').at(-1)?.query.get('cursor')).toBe('page-2');

    await user.click(screen.getByRole('radio', { name: 'Failed' }));
    const failed = await screen.findByRole('table', { name: 'Failed' });
    expect(api.callsTo('GET', '/api/hub/channels/deliveries').at(-1)?.query.get('status')).toBe('failed');
    expect(api.callsTo('GET', '/api/hub/channels/deliveries').at(-1)?.query.get('cursor')).toBeNull();
    expect(failed).toHaveTextContent('Telegram');
    expect(failed).toHaveTextContent(/Next try in 5 minutes/);

    await user.click(screen.getByRole('radio', { name: 'Sent' }));
    expect(await screen.findByText('Nothing sent yet')).toBeInTheDocument();
  });
});

describe('allowed origins', () => {
  it('writes origins the way browsers send them and drops repeats', () => {
    expect(
      parseAllowedOrigins(' https://Example.com:443/ \nhttps://example.com\n\nhttp://[::1]:8080').origins,
    ).toEqual(['https://example.com', 'http://[::1]:8080']);
    expect(parseAllowedOrigins('https://example.com:99999').problems[0]?.message).toBe(
      'That is not a valid host or port.',
    );
  });
});
