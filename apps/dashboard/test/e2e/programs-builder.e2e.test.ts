import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceName } from '@companero/server/server-app';
import type { TestServer } from '@companero/testing/test-server';
import { widgetDistFile } from '@companero/widget/build-widget';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions, startJourneyServer } from './journey-server';

/**
 * The program builder in real Chromium against the all-in-one server (auth, creator hub with the program
 * engine, AI engine, channel with the widget): a creator signs up, creates a program, builds five steps by
 * dragging them from the palette and connecting their exits with the mouse, configures them in the side panel,
 * sees the problems on the nodes and fixes them, test-runs it, publishes, and enrolls a visitor of their site
 * whose widget then receives the program's first message. Screenshots go to ./screenshots.
 */

const screenshotsDir = fileURLToPath(new URL('./screenshots/', import.meta.url));
mkdirSync(screenshotsDir, { recursive: true });

const journeyServices: ServiceName[] = ['auth', 'creator-hub', 'ai-engine', 'channel'];

const owner = {
  name: 'Paula Programs',
  email: 'paula@example.com',
  password: 'Juniper-lighthouse-maple-4410!',
  space: 'Paula Sleeps Well',
};
const programName = 'Better sleep, day one';
const welcomeText = 'Welcome to Better sleep! Tonight we start with one small change.';
const questionText = 'How did you sleep last night?';
const visitorName = 'Wanda Widget';

let server: TestServer;
let browser: Browser;
let dashboard: BrowserContext;
let page: Page;
let visitor: BrowserContext;
let visitorPage: Page;
let hostServer: Server;
let hostOrigin = '';
let embedCode = '';
let programPath = '';
const pageErrors: string[] = [];

const screenshot = async (target: Page, name: string) => {
  await target.screenshot({
    path: join(screenshotsDir, `${name}.png`),
    animations: 'disabled',
    caret: 'hide',
    style: '.toasts { display: none; }',
  });
};

/** The owner's API session, for the set-up the journey is not about (the widget's allowed origin). */
const api = async (method: string, path: string, body?: unknown) => {
  const login = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: owner.email, password: owner.password }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as any };
};

const startHostServer = async () => {
  hostServer = createServer((request, response) => {
    if (request.url !== '/') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Paula Sleeps Well</title><link rel="icon" href="data:,"></head>
<body><h1>Sleep better in seven days</h1>${embedCode.replace(server.config.PUBLIC_URL, server.baseUrl)}</body></html>`);
  });
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(hostServer.address() as AddressInfo).port}`;
};

const canvas = () => page.locator('.program-canvas');
const pane = () => page.locator('.program-canvas .react-flow__pane');
const flowNodes = () => page.locator('.program-canvas .react-flow__node');
const nodeOfType = (type: string) => page.locator(`.program-canvas .react-flow__node-${type}`);
const exitHandle = (node: Locator, handle: string) =>
  node.locator(`.react-flow__handle.source[data-handleid="${handle}"]`);
const entryHandle = (node: Locator) => node.locator('.react-flow__handle.target');
const sidePanel = () => page.getByRole('complementary', { name: 'Step settings and test run' });
const saveStatus = () => page.getByTestId('save-status');

/** Drags a step from the palette to a point of the canvas (fractions of its box), by HTML5 drag and drop. */
const dropStep = async (label: string, at: { x: number; y: number }) => {
  const box = (await canvas().boundingBox())!;
  const before = await flowNodes().count();
  await page
    .getByRole('button', { name: `Add ${label} step` })
    .dragTo(pane(), { targetPosition: { x: box.width * at.x, y: box.height * at.y } });
  await expect.poll(() => flowNodes().count()).toBe(before + 1);
};

/** Presses on an exit handle and releases on the target node's entry, moving like a hand would. */
const connect = async (from: Locator, exit: string, to: Locator) => {
  const source = (await exitHandle(from, exit).boundingBox())!;
  const target = (await entryHandle(to).boundingBox())!;
  await page.mouse.move(source.x + source.width / 2, source.y + source.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2 - 30, { steps: 8 });
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 4 });
  await page.mouse.up();
};

const edgeCount = () => page.locator('.program-canvas .react-flow__edge').count();

describe('the program builder in Chromium', () => {
  beforeAll(async () => {
    server = await startJourneyServer(journeyServices, { widgetScript: widgetDistFile });
    browser = await chromium.launch(chromiumLaunchOptions);
    dashboard = await browser.newContext({
      viewport: { width: 1600, height: 1000 },
      locale: 'en-US',
      timezoneId: 'Europe/Madrid',
      reducedMotion: 'reduce',
    });
    page = await dashboard.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(`${error.name}: ${error.message}`));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (hostServer) await new Promise((resolve) => hostServer.close(resolve));
    await server?.close();
  });

  it('signs up, and a visitor of the creator’s site opens the widget', async () => {
    await page.goto(`${server.baseUrl}/sign-up`);
    await page.getByLabel('Your name').fill(owner.name);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByLabel('Coaching space name').fill(owner.space);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();

    // The site that embeds the widget (set up through the API: the Channels page has its own journey).
    const widgetSettings = await api('GET', '/api/hub/channels');
    embedCode = widgetSettings.body.widget.embedCode;
    hostOrigin = await startHostServer();
    const saved = await api('PUT', '/api/hub/channels/widget', {
      theme: widgetSettings.body.widget.theme,
      allowedOrigins: [hostOrigin],
    });
    expect(saved.status).toBe(200);

    visitor = await browser.newContext({ viewport: { width: 1000, height: 800 }, locale: 'en-US' });
    visitorPage = await visitor.newPage();
    visitorPage.setDefaultTimeout(20_000);
    const session = visitorPage.waitForResponse((response) =>
      /\/api\/channels\/widget\/[^/]+\/sessions$/.test(response.url()),
    );
    await visitorPage.goto(hostOrigin);
    await visitorPage.locator('companero-chat [data-testid="launcher"]').click();
    const { memberId } = (await (await session).json()) as { memberId: string };
    await visitorPage.locator('companero-chat [data-testid="panel"]').waitFor();
    // A name to find the visitor by in the enroll dialog.
    expect((await api('PATCH', `/api/hub/members/${memberId}`, { name: visitorName })).status).toBe(200);
  }, 120_000);

  it('creates a program from a blank canvas and opens the builder on its Start step', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Programs' }).click();
    await page.getByRole('heading', { name: 'Programs', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'No programs yet' }).waitFor();
    await page.getByRole('heading', { name: 'Proactive messages' }).waitFor();
    await page.getByLabel('At most, per member and day').fill('2');
    await page.getByRole('button', { name: 'Save proactive settings' }).click();
    await page.getByText('Proactive settings saved.').waitFor();
    expect((await api('GET', '/api/hub/programs/settings/proactive')).body.maxPerDay).toBe(2);

    await page.getByRole('button', { name: 'New program' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New program' });
    await dialog.getByLabel('Blank program').check();
    await dialog.getByLabel('Name', { exact: true }).fill(programName);
    await dialog.getByRole('button', { name: 'Create and open' }).click();

    await page.getByRole('heading', { name: programName, level: 1 }).waitFor();
    programPath = new URL(page.url()).pathname;
    expect(programPath).toMatch(/^\/programs\/[0-9a-f-]{36}$/);
    await expect.poll(() => flowNodes().count()).toBe(1);
    expect(await nodeOfType('start').textContent()).toContain('Enrolled by hand');
    expect(await saveStatus().textContent()).toBe('Saved');
  }, 60_000);

  it('builds five steps by dragging from the palette and connecting exits, with problems shown on the nodes', async () => {
    // The Start step opens in the middle of the view: move it to the top to make room below.
    const startBox = (await nodeOfType('start').boundingBox())!;
    const canvasBox = (await canvas().boundingBox())!;
    await page.mouse.move(startBox.x + startBox.width / 2, startBox.y + startBox.height / 2);
    await page.mouse.down();
    await page.mouse.move(canvasBox.x + canvasBox.width * 0.5, canvasBox.y + 20 + startBox.height / 2, {
      steps: 10,
    });
    await page.mouse.up();

    await dropStep('Message', { x: 0.3, y: 0.27 });
    // The new step is selected: its settings open in the side panel, and its empty text is a problem on it.
    await sidePanel().getByText('Message step', { exact: true }).waitFor();
    const message = nodeOfType('message');
    await expect.poll(() => message.locator('.program-node--invalid').count()).toBe(1);
    expect(await message.getByRole('list', { name: 'Problems' }).textContent()).toContain(
      'Write the text members receive.',
    );
    expect(
      await sidePanel().getByRole('textbox', { name: 'Message', exact: true }).getAttribute('aria-invalid'),
    ).toBe('true');
    // A draft the API would refuse is held, and the status says why.
    await expect.poll(() => saveStatus().textContent()).toBe('Not saved yet: fix the step outlined in red.');

    await dropStep('Wait', { x: 0.7, y: 0.45 });
    await sidePanel().getByText('Wait step', { exact: true }).waitFor();
    await sidePanel().getByLabel('Amount').fill('2');
    await sidePanel().getByLabel('Unit').selectOption('hours');

    await dropStep('Ask', { x: 0.3, y: 0.62 });
    await sidePanel().getByText('Ask step', { exact: true }).waitFor();
    await sidePanel().getByLabel('Question').fill(questionText);
    await sidePanel().getByLabel('Quick replies').fill('Well\nBadly');
    await sidePanel().getByLabel('Step name').fill('Sleep check');

    await dropStep('End', { x: 0.7, y: 0.88 });

    // Undo and redo the last drop from the keyboard (focus on the canvas, not in a field).
    await pane().click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => flowNodes().count()).toBe(4);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => flowNodes().count()).toBe(5);

    // Keyboard only: pressing a palette item adds the step in view and moves focus to its settings, and
    // Delete removes the selected step.
    await page.getByRole('button', { name: 'Add Tag step' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => flowNodes().count()).toBe(6);
    await expect
      .poll(() =>
        page.evaluate(() => document.activeElement?.closest('aside') && document.activeElement.textContent),
      )
      .toBe('Tag');
    await page.keyboard.press('Delete');
    await expect.poll(() => flowNodes().count()).toBe(5);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Program');

    // Everything in view, then connect by dragging from each exit to the next step's entry.
    await page.getByRole('button', { name: 'Fit the program in view' }).click();
    await page.waitForTimeout(300);
    const start = nodeOfType('start');
    const wait = nodeOfType('wait');
    const ask = nodeOfType('ask');
    const end = nodeOfType('end');
    // Before it is connected, an open exit is a problem on its node.
    expect(await wait.getByRole('list', { name: 'Problems' }).textContent()).toContain(
      'Connect its "next" exit',
    );

    await connect(start, 'next', message);
    await expect.poll(edgeCount).toBe(1);
    await connect(message, 'next', wait);
    await expect.poll(edgeCount).toBe(2);
    await connect(wait, 'next', ask);
    await expect.poll(edgeCount).toBe(3);
    await connect(ask, 'other', end);
    await expect.poll(edgeCount).toBe(4);
    await connect(ask, 'timeout', end);
    await expect.poll(edgeCount).toBe(5);
    expect(await wait.locator('.program-node--invalid').count()).toBe(0);
    expect(await ask.locator('.program-node--invalid').count()).toBe(0);

    // Fix the message: select it on the canvas and write its text in the side panel.
    await message.click();
    await sidePanel().getByText('Message step', { exact: true }).waitFor();
    await sidePanel().getByRole('textbox', { name: 'Message', exact: true }).fill(welcomeText);
    await expect.poll(() => message.locator('.program-node--invalid').count()).toBe(0);
    expect(await message.textContent()).toContain(welcomeText);
    await expect.poll(() => saveStatus().textContent(), { timeout: 10_000 }).toBe('Saved');
    expect(await page.locator('.program-canvas .program-node--invalid').count()).toBe(0);

    await pane().click({ position: { x: 10, y: 10 } });
    await sidePanel().getByText('None: the program is ready to publish.').waitFor();
    await page.getByRole('button', { name: 'Fit the program in view' }).click();
    await page.waitForTimeout(300);
    await screenshot(page, '24-program-builder');

    // What was saved is the graph drawn: five nodes, five edges, through the API.
    const programId = programPath.split('/').pop()!;
    const saved = await api('GET', `/api/hub/programs/${programId}`);
    expect(saved.body.graph.nodes.map((node: { type: string }) => node.type).sort()).toEqual(
      ['ask', 'end', 'message', 'start', 'wait'].sort(),
    );
    expect(saved.body.graph.edges).toHaveLength(5);
    const savedWait = saved.body.graph.nodes.find((node: { type: string }) => node.type === 'wait');
    expect(savedWait.data).toEqual({ mode: 'duration', duration: { amount: 2, unit: 'hours' } });

    // Someone saves the program elsewhere meanwhile: this tab's next save is refused (409) and nothing is lost.
    const theirs = structuredClone(saved.body.graph);
    theirs.nodes.find((node: { type: string }) => node.type === 'message').data.text = 'Their welcome';
    const elsewhere = await api('PUT', `/api/hub/programs/${programId}`, {
      graph: theirs,
      revision: saved.body.revision,
    });
    expect(elsewhere.status).toBe(200);
    await wait.click();
    await sidePanel().getByLabel('Amount').fill('3');
    await expect.poll(() => saveStatus().textContent()).toBe('Conflict — reload');
    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    await expect.poll(() => message.textContent()).toContain('Their welcome');
    expect(await wait.textContent()).toContain('Wait 2 hours');
    // Undo brings this tab's edits back, and they are saved over the version just loaded.
    await page.getByRole('button', { name: 'Undo', exact: true }).click();
    await expect.poll(() => message.textContent()).toContain(welcomeText);
    expect(await wait.textContent()).toContain('Wait 3 hours');
    await expect.poll(() => saveStatus().textContent(), { timeout: 10_000 }).toBe('Saved');
    const resolved = await api('GET', `/api/hub/programs/${programId}`);
    expect(resolved.body.revision).toBeGreaterThan(elsewhere.body.revision);
    expect(
      resolved.body.graph.nodes.find((node: { type: string }) => node.type === 'message').data.text,
    ).toBe(welcomeText);
  }, 120_000);

  it('test-runs the draft and draws the path taken on the canvas', async () => {
    await page.getByRole('button', { name: 'Test run' }).click();
    const panel = sidePanel();
    await panel.getByLabel('Member name').fill('Sam Sample');
    await panel.getByRole('button', { name: 'Run test' }).click();
    const path = panel.getByRole('list', { name: 'Steps of the test run, in order' });
    await path.waitFor();
    const steps = await path.getByRole('listitem').allTextContents();
    expect(steps[0]).toContain('Start');
    expect(steps.some((step) => step.includes('Message'))).toBe(true);
    expect(steps.at(-1)).toContain('End');
    await panel.getByText('Reached an End step').waitFor();
    // Every node was visited: each carries its order and simulated time.
    await expect.poll(() => page.locator('.program-canvas .program-node--visited').count()).toBe(5);
    await screenshot(page, '25-program-test-run');
    await page.getByRole('button', { name: 'Test run' }).click();
  }, 60_000);

  it('publishes, and enrolls the visitor from the dialog', async () => {
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Version 1 published. New enrollments start on it.').waitFor();
    await expect.poll(() => page.getByTestId('program-status').textContent()).toBe('Published v1');

    await page.getByRole('button', { name: 'Enroll members' }).click();
    const dialog = page.getByRole('dialog', { name: `Enroll members in “${programName}”` });
    // Focus starts in the search box.
    expect(
      await dialog.getByLabel('Find members').evaluate((element) => element === document.activeElement),
    ).toBe(true);
    await dialog.getByLabel('Find members').fill('Wanda');
    await dialog.getByRole('checkbox', { name: new RegExp(visitorName) }).check();
    await dialog.getByRole('button', { name: 'Enroll 1 member' }).click();
    await page.getByText(`${programName}: 1 enrolled.`).waitFor();
    expect(await dialog.isVisible()).toBe(false);

    const programId = programPath.split('/').pop()!;
    const enrollments = await api('GET', `/api/hub/programs/${programId}/enrollments`);
    expect(enrollments.body.items).toHaveLength(1);
    expect(enrollments.body.items[0].memberName).toBe(visitorName);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('delivers the program’s first message to the visitor’s open widget', async () => {
    // Needs the program engine running in the server's workers: enrollment → start → message → channel.
    const coachMessage = visitorPage
      .locator('companero-chat [data-testid="message"][data-author="coach"]')
      .filter({ hasText: welcomeText });
    await coachMessage.waitFor({ timeout: 60_000 });
    await visitorPage.screenshot({
      path: join(screenshotsDir, '26-program-message-in-widget.png'),
      caret: 'hide',
    });

    // The builder shows the published version's counts on the nodes.
    await page.reload();
    await page.getByRole('heading', { name: programName, level: 1 }).waitFor();
    await expect
      .poll(() => nodeOfType('message').getByRole('definition').first().textContent(), { timeout: 30_000 })
      .toBe('1');
    await page.getByRole('button', { name: 'Fit the program in view' }).click();
    await page.waitForTimeout(300);
    await screenshot(page, '27-program-funnel');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
