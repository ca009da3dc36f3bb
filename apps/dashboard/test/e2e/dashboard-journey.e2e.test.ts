import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceName } from '@companero/server/server-app';
import type { TestServer } from '@companero/testing/test-server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemberTraffic, recordChannelTraffic } from './channel-traffic';
import { chromiumLaunchOptions, startJourneyServer } from './journey-server';

/**
 * The creator's journey in real Chromium against the real all-in-one server (auth and creator hub on an
 * embedded database): sign up, import members, filter, open one, export, erase, read analytics, invite a
 * viewer, and see that viewer's edit actions disabled in the UI and refused by the server. Each step saves a
 * screenshot to ./screenshots. Steps share one browser session and run in order.
 */

const screenshotsDir = fileURLToPath(new URL('./screenshots/', import.meta.url));
mkdirSync(screenshotsDir, { recursive: true });

// The services this journey exercises; others (the AI engine) are not needed to serve these pages.
const journeyServices: ServiceName[] = ['auth', 'creator-hub'];

const owner = {
  name: 'Ana García',
  email: 'ana@example.com',
  password: 'Tangerine-orbit-plaza-1987!',
  space: 'Ana Runs',
};
const viewer = {
  name: 'Vera Viewer',
  email: 'vera@example.com',
  password: 'Lantern-meadow-copper-2051!',
  space: 'Vera Studio',
};

const membersCsv = [
  'name,email,phone,tags,timezone,plan',
  'Lucía Pérez,lucia@example.com,+34600000001,marathon;vip,Europe/Madrid,gold',
  'Marco Rossi,marco@example.com,+39333000002,marathon,Europe/Rome,silver',
  'Aiko Tanaka,aiko@example.com,,beginner,Asia/Tokyo,free',
  'Tom Becker,tom@example.com,+4915100000003,marathon;trail,Europe/Berlin,gold',
  'Sofia Lind,sofia@example.com,,beginner;vip,Europe/Stockholm,free',
  'Diego Silva,diego@example.com,+5511900000004,trail,America/Sao_Paulo,silver',
  'Priya Nair,priya@example.com,,beginner,Asia/Kolkata,free',
  'Noah Smith,noah@example.com,+14155550105,,America/Los_Angeles,gold',
  'Broken Row,not-an-email,,,,',
].join('\n');

const exchanges = [
  {
    question: 'How long should my long run be this week?',
    answer: 'Aim for 18 km at an easy, conversational pace; keep it 60–90 seconds slower than race pace.',
    responseMs: 1400,
    grounded: true,
  },
  {
    question: 'My left knee hurts after 10 km, should I keep going?',
    answer:
      'Stop the run and rest it for two days. If it still hurts, see a physiotherapist before the next long run.',
    responseMs: 2100,
    grounded: true,
  },
  {
    question: 'Can I run with a cold?',
    answer: 'I do not have guidance on that in your coach’s material yet. Please ask your coach directly.',
    responseMs: 900,
    grounded: false,
  },
  {
    question: 'What should I eat before a race?',
    answer: 'A carbohydrate-rich breakfast 3 hours before: oats, a banana and some honey work well.',
    responseMs: 3200,
    grounded: true,
  },
];

let server: TestServer;
let browser: Browser;
let ownerContext: BrowserContext;
let page: Page;
let creatorId = '';
const pageErrors: string[] = [];
let ownerRefreshes = 0;

/**
 * Saves the page from its top. Confirmation toasts were asserted when they appeared; they are left out of the
 * picture so they do not cover the page.
 */
const screenshot = async (target: Page, name: string, options: { fullPage?: boolean } = {}) => {
  await target.evaluate(() => window.scrollTo(0, 0));
  await target.screenshot({
    path: join(screenshotsDir, `${name}.png`),
    animations: 'disabled',
    caret: 'hide',
    fullPage: options.fullPage ?? false,
    style: '.toasts { display: none; }',
  });
};

/** Signs in through the API (as a script would) for the checks the browser cannot make. */
const apiSession = async (email: string, password: string, forCreator?: string) => {
  const response = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, ...(forCreator ? { creatorId: forCreator } : {}) }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    accessToken: string;
    memberships: { creatorId: string; creatorName: string }[];
  };
  const call = (method: string, path: string, payload?: unknown) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${body.accessToken}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
  return { ...body, call };
};

const newBrowserPage = async (context: BrowserContext) => {
  const created = await context.newPage();
  created.setDefaultTimeout(20_000);
  created.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`));
  return created;
};

const navigation = (target: Page) => target.getByRole('navigation', { name: 'Main' });
const memberRows = (target: Page) => target.getByRole('table').locator('tbody tr');

describe('the creator dashboard in Chromium', () => {
  beforeAll(async () => {
    server = await startJourneyServer(journeyServices);
    browser = await chromium.launch(chromiumLaunchOptions);
    ownerContext = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'Europe/Madrid',
      acceptDownloads: true,
      // Charts then draw at once (the app honours the preference), so screenshots show them complete.
      reducedMotion: 'reduce',
    });
    page = await newBrowserPage(ownerContext);
    page.on('response', (response) => {
      if (response.url().endsWith('/api/auth/refresh') && response.status() === 200) ownerRefreshes += 1;
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the app at / and leaves the API and operational paths their own answers', async () => {
    const get = (path: string, accept = 'text/html') =>
      fetch(`${server.baseUrl}${path}`, { headers: { accept } });
    const home = await get('/members/some-member');
    expect(home.status).toBe(200);
    expect(home.headers.get('cache-control')).toBe('no-cache');
    const html = await home.text();
    expect(html).toContain('<div id="root"></div>');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);

    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.baseUrl}${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('br');

    for (const path of [
      '/api/nothing-here',
      '/assets/gone-1234.js',
      '/.well-known/nothing',
      '/favicon.ico',
    ]) {
      const answer = await get(path);
      expect([path, answer.status, answer.headers.get('content-type')]).toEqual([
        path,
        404,
        'application/problem+json; charset=utf-8',
      ]);
    }
    expect((await get('/api/auth/logout')).status).toBe(405);
    expect((await get('/members', 'application/json')).status).toBe(404);
    expect((await get('/health', '*/*')).status).toBe(200);
    expect((await get('/openapi.json', '*/*')).headers.get('content-type')).toContain('application/json');
    expect((await get('/docs')).status).toBe(200);
  });

  it('signs a new creator up and shows analytics with an empty state that says what to do', async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('heading', { name: 'Sign in to Compañero' }).waitFor();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByLabel('Coaching space name').fill(owner.space);
    await screenshot(page, '01-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'No activity in this period' }).waitFor();
    await screenshot(page, '02-analytics-empty');

    // A reload keeps the session: only the refresh token survives, and it is exchanged transparently.
    await page.reload();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    // The first Tab stop skips the navigation, for keyboard users.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    creatorId = (await apiSession(owner.email, owner.password)).memberships[0]!.creatorId;
    expect(creatorId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('imports members from a CSV and reports the row it skipped', async () => {
    await navigation(page).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('heading', { name: 'No members yet' }).waitFor();
    await page.getByRole('button', { name: 'Import CSV', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import members from CSV' });
    await dialog.getByLabel('CSV file').setInputFiles({
      name: 'members.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(membersCsv),
    });
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByText('8 new members imported, 0 updated, 1 row skipped.').waitFor();
    await expect(dialog.locator('li', { hasText: 'Line 10' }).textContent()).resolves.toContain(
      'not-an-email',
    );
    await screenshot(page, '03-members-import-report');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => memberRows(page).count()).toBe(8);

    // Conversations arrive through channels; their services are not here yet, so write what they will write.
    const session = await apiSession(owner.email, owner.password);
    const list = (await (await session.call('GET', '/api/hub/members?limit=200')).json()) as {
      items: { id: string; name: string }[];
    };
    const idOf = (name: string) => list.items.find((member) => member.name === name)!.id;
    const traffic: MemberTraffic[] = [
      {
        name: 'Lucía Pérez',
        channel: 'whatsapp',
        externalId: '+34600000001',
        daysAgo: [12, 5, 1],
        exchanges,
      },
      { name: 'Marco Rossi', channel: 'telegram', externalId: '@marcorossi', daysAgo: [9, 2], exchanges },
      {
        name: 'Tom Becker',
        channel: 'whatsapp',
        externalId: '+4915100000003',
        daysAgo: [20, 14, 6, 0],
        exchanges,
      },
      { name: 'Sofia Lind', channel: 'widget', externalId: 'visitor-5f2a', daysAgo: [3], exchanges },
      { name: 'Diego Silva', channel: 'app', externalId: 'device-77', daysAgo: [16, 8, 4], exchanges },
      { name: 'Noah Smith', channel: 'telegram', externalId: '@noahruns', daysAgo: [1], exchanges },
    ].map((member) => ({ ...member, memberId: idOf(member.name) }) as MemberTraffic);
    await recordChannelTraffic(server.runtime, creatorId, traffic);
    await page.reload();
    await page.getByRole('link', { name: 'Lucía Pérez' }).waitFor();
    await expect.poll(() => memberRows(page).getByText('WhatsApp').count()).toBeGreaterThan(0);
    await screenshot(page, '04-members');
  });

  it('filters members by tag, channel and search', async () => {
    await page.getByLabel('Tag', { exact: true }).fill('marathon');
    await expect.poll(() => memberRows(page).count()).toBe(3);
    await page.getByLabel('Channel').selectOption('whatsapp');
    await expect.poll(() => memberRows(page).count()).toBe(2);
    await screenshot(page, '05-members-filtered');
    await page.getByLabel('Search').fill('lucia@');
    await expect.poll(() => memberRows(page).count()).toBe(1);
    expect(page.url()).toContain('tag=marathon');
    expect(page.url()).toContain('channel=whatsapp');
  });

  it('opens a member: transcript across channels, tags and notes saved', async () => {
    await page.getByRole('link', { name: 'Lucía Pérez' }).click();
    await page.getByRole('heading', { name: 'Lucía Pérez', level: 1 }).waitFor();
    const transcript = page.getByRole('list', { name: 'Messages with Lucía Pérez' });
    await transcript.getByText('How long should my long run be this week?').first().waitFor();
    await transcript
      .getByText(/Answered without your material/)
      .first()
      .waitFor();

    await page.getByLabel('New tag').fill('sub-4h');
    await page.getByLabel('New tag').press('Enter');
    await page.getByRole('button', { name: 'Save tags' }).click();
    await page.getByText('Tags saved.').waitFor();
    await page
      .getByLabel('Notes about this member')
      .fill('Goal: Valencia marathon under 4 hours. Prefers morning runs.');
    await page.getByRole('button', { name: 'Save notes' }).click();
    await page.getByText('Notes saved.').waitFor();
    await screenshot(page, '06-member');
  });

  it('exports the member’s data as a JSON file', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export data' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^member-[0-9a-f]{8}-export-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = await readFile((await download.path())!, 'utf8');
    expect(exported).toContain('lucia@example.com');
    expect(exported).toContain('How long should my long run be this week?');
  });

  it('erases the member after a confirmation that names what goes', async () => {
    await page.getByRole('button', { name: 'Erase' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase Lucía Pérez?' });
    await dialog.getByText('3 conversations with').waitFor();
    expect(await dialog.textContent()).toContain('WhatsApp +34600000001');
    await dialog.getByLabel(/to confirm/).fill('Lucía Pérez');
    await screenshot(page, '07-member-erase');
    await dialog.getByRole('button', { name: 'Erase member' }).click();
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await page.getByText(/Lucía Pérez is being erased/).waitFor();

    const session = await apiSession(owner.email, owner.password);
    await expect
      .poll(
        async () =>
          ((await (await session.call('GET', '/api/hub/members?q=lucia')).json()) as { items: [] }).items
            .length,
        {
          timeout: 20_000,
        },
      )
      .toBe(0);
  });

  it('shows analytics: messages by channel, active members, response times, cohorts and questions', async () => {
    await navigation(page).getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    const activeMembers = page.locator('.kpi', { hasText: 'Active members' }).locator('.kpi__value');
    await expect.poll(async () => Number(await activeMembers.textContent())).toBeGreaterThan(0);
    for (const title of ['Messages by channel', 'Active members', 'Response time']) {
      await page.getByRole('region', { name: title }).locator('.recharts-surface').first().waitFor();
    }
    await page
      .getByRole('region', { name: 'Unanswered questions' })
      .getByText('Can I run with a cold?')
      .waitFor();
    await page
      .getByRole('region', { name: 'Top questions' })
      .getByText(/long run/)
      .first()
      .waitFor();
    await screenshot(page, '08-analytics', { fullPage: true });
    await page.getByRole('radio', { name: '7 days' }).check();
    await expect.poll(() => page.url()).toContain('range=7d');
  });

  it('invites a teammate as viewer and records it in the audit log', async () => {
    // The teammate already uses Compañero for their own space, so the invitation adds them at once.
    const viewerContext = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      reducedMotion: 'reduce',
    });
    const viewerPage = await newBrowserPage(viewerContext);
    await viewerPage.goto(`${server.baseUrl}/sign-up`);
    await viewerPage.getByLabel('Your name').fill(viewer.name);
    await viewerPage.getByLabel('Email').fill(viewer.email);
    await viewerPage.getByLabel('Password', { exact: true }).fill(viewer.password);
    await viewerPage.getByLabel('Coaching space name').fill(viewer.space);
    await viewerPage.getByRole('button', { name: 'Create account' }).click();
    await viewerPage.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await viewerContext.close();

    await navigation(page).getByRole('link', { name: 'Team' }).click();
    await page.getByLabel('Email').fill(viewer.email);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('Vera Viewer joined the team as viewer.').waitFor();
    await page.getByRole('table').getByText(viewer.email).waitFor();
    await screenshot(page, '09-team');

    await navigation(page).getByRole('link', { name: 'Audit log' }).click();
    const log = page.getByRole('table', { name: 'Audit log, newest first' });
    await log.getByText('Added a teammate').waitFor();
    await log.getByText('Erased a member').or(log.getByText('Asked to erase a member')).first().waitFor();
    await screenshot(page, '10-audit-log');

    await navigation(page).getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Ana Runs Club');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Settings saved.').waitFor();
    await screenshot(page, '11-settings');
  });

  it('signs the viewer in: edit actions are disabled, and the server refuses them anyway', async () => {
    const viewerContext = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      reducedMotion: 'reduce',
    });
    const viewerPage = await newBrowserPage(viewerContext);
    await viewerPage.goto(`${server.baseUrl}/members`);
    await viewerPage.getByLabel('Email').fill(viewer.email);
    await viewerPage.getByLabel('Password', { exact: true }).fill(viewer.password);
    await viewerPage.getByRole('button', { name: 'Sign in' }).click();
    const switcher = viewerPage.getByRole('combobox', { name: 'Creator' });
    await switcher.waitFor();
    if ((await switcher.inputValue()) !== creatorId) await switcher.selectOption(creatorId);
    await viewerPage
      .getByText('Now working in Ana Runs Club.')
      .or(viewerPage.getByText(/You have the viewer role/))
      .first()
      .waitFor();
    await viewerPage.goto(`${server.baseUrl}/members`);
    await viewerPage.getByText(/You have the viewer role/).waitFor();

    expect(await navigation(viewerPage).getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await viewerPage.getByRole('button', { name: 'Import CSV', exact: true }).isDisabled()).toBe(true);
    expect(await viewerPage.getByRole('button', { name: 'Export CSV' }).isDisabled()).toBe(true);
    expect(await viewerPage.getByRole('checkbox').count()).toBe(0);

    await viewerPage.getByRole('link', { name: 'Tom Becker' }).click();
    await viewerPage.getByRole('heading', { name: 'Tom Becker', level: 1 }).waitFor();
    expect(await viewerPage.getByRole('button', { name: 'Erase' }).isDisabled()).toBe(true);
    expect(await viewerPage.getByRole('button', { name: 'Export data' }).isDisabled()).toBe(true);
    expect(await viewerPage.getByLabel('New tag').isDisabled()).toBe(true);
    expect(await viewerPage.getByLabel('Notes about this member').getAttribute('readonly')).not.toBeNull();
    await screenshot(viewerPage, '12-viewer-member');

    await navigation(viewerPage).getByRole('link', { name: 'Team' }).click();
    await viewerPage.getByRole('table').getByText(owner.email).waitFor();
    expect(await viewerPage.getByRole('button', { name: 'Send invitation' }).isDisabled()).toBe(true);
    expect(await viewerPage.getByLabel('Role of Ana García').isDisabled()).toBe(true);
    expect(await viewerPage.getByRole('button', { name: 'Remove Ana García' }).isDisabled()).toBe(true);
    await screenshot(viewerPage, '13-viewer-team');

    await navigation(viewerPage).getByRole('link', { name: 'Settings' }).click();
    expect(await viewerPage.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);

    // The UI is a courtesy; the server is the rule.
    const session = await apiSession(viewer.email, viewer.password, creatorId);
    const members = (await (await session.call('GET', '/api/hub/members')).json()) as {
      items: { id: string }[];
    };
    const someone = members.items[0]!.id;
    const refusals = await Promise.all([
      session.call('PATCH', `/api/hub/members/${someone}`, { tags: ['hacked'] }),
      session.call('DELETE', `/api/hub/members/${someone}`),
      session.call('GET', `/api/hub/members/${someone}/export`),
      session.call('POST', '/api/hub/members/bulk-tag', { memberIds: [someone], add: ['x'] }),
      session.call('POST', '/api/auth/team', { email: 'mallory@example.com', role: 'admin' }),
      session.call('PATCH', '/api/hub/settings', { name: 'Taken over' }),
      session.call('GET', '/api/auth/audit'),
    ]);
    expect(refusals.map((response) => response.status)).toEqual([403, 403, 403, 403, 403, 403, 403]);
    expect(refusals[0]!.headers.get('content-type')).toContain('application/problem+json');
    await viewerContext.close();
  });

  it('works on a phone-sized screen and signs out', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.baseUrl}/members`);
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await navigation(page).getByRole('link', { name: 'Analytics' }).waitFor();
    await screenshot(page, '14-mobile-navigation');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /account menu/ }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Compañero' }).waitFor();
    expect(await page.evaluate(() => window.localStorage.getItem('companero.refreshToken'))).toBeNull();
    expect(pageErrors).toEqual([]);
    // The reload, and access tokens living 30 s, went through transparent refreshes the person never saw.
    expect(ownerRefreshes).toBeGreaterThanOrEqual(1);
  });
});
